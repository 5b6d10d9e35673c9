//! Pages whose code is fetched the first time they are visited (`cargo leptos build
//! --split`): the home and the check-in page, which a phone with one bar of signal opens
//! first, stay in the main bundle.
//!
//! Every lazy page is the same type, [`LazyPage`], a pair of function pointers. leptos's
//! `#[lazy_route]` makes each page a type of its own, and the router's code for choosing,
//! preloading and erasing a route was then compiled once per page into the main bundle
//! (about 1.5 KB each before compression, for 26 pages).

use leptos::prelude::*;
use leptos_router::{
    components::{Route, RouteChildren},
    path, ChooseView, MatchNestedRoutes,
};
use std::{future::Future, pin::Pin};

/// Every page and its address.
fn table() -> impl MatchNestedRoutes + Clone + Send + 'static {
    view! {
        <Route path=path!("/") view=crate::home::views::Home/>
        <Route path=path!("/meetings") view=meetings::PAGE/>
        <Route path=path!("/meetings/:id") view=meeting::PAGE/>
        <Route path=path!("/meetings/:id/code") view=code_screen::PAGE/>
        <Route path=path!("/checkin/:id") view=crate::meetings::checkin_page::CheckinPage/>
        <Route path=path!("/points") view=points::PAGE/>
        <Route path=path!("/branch/:id/points") view=approvals::PAGE/>
        <Route path=path!("/branch/:id/points/rules") view=rules::PAGE/>
        <Route path=path!("/wishes") view=wishes::PAGE/>
        <Route path=path!("/wishes/:id") view=wish::PAGE/>
        <Route path=path!("/review/wishes") view=review::PAGE/>
        <Route path=path!("/me") view=me::PAGE/>
        <Route path=path!("/login") view=login::PAGE/>
        <Route path=path!("/register") view=register::PAGE/>
        <Route path=path!("/join") view=join::PAGE/>
        <Route path=path!("/join/:code") view=join::PAGE/>
        <Route path=path!("/branch/:id/members") view=members::PAGE/>
        <Route path=path!("/branch/:id/invites") view=invites::PAGE/>
        <Route path=path!("/branch/:id/compliance") view=compliance::PAGE/>
        <Route path=path!("/admin") view=admin::PAGE/>
        <Route path=path!("/admin/compliance") view=subtree_compliance::PAGE/>
        <Route path=path!("/admin/stars") view=standings::PAGE/>
        <Route path=path!("/admin/stars/templates") view=star_templates::PAGE/>
        <Route path=path!("/branch/:id/stars") view=branch_stars::PAGE/>
        <Route path=path!("/review") view=my_review::PAGE/>
        <Route path=path!("/admin/records") view=records::PAGE/>
        <Route path=path!("/branch/:id/review") view=review_board::PAGE/>
        <Route path=path!("/outbox") view=outbox::PAGE/>
        <Route path=path!("/suggestions") view=suggestions::PAGE/>
    }
    .into_inner()
}

/// The pages, as `<Routes>` takes them.
pub fn pages() -> RouteChildren<impl MatchNestedRoutes + Clone + Send + 'static> {
    RouteChildren::to_children(table)
}

/// Fetches the code of the page at the browser's address, if it is a lazy page. The app
/// then hydrates in one synchronous pass: the router finds the page's code already there.
/// Our tachys has no asynchronous hydration for erased views (see
/// `app/vendor/tachys/ZHIBU.md`), so a page whose code is missing could not hydrate.
#[cfg(feature = "hydrate")]
pub async fn load_current_page() {
    use leptos_router::{MatchInterface, RouteDefs};
    let Ok(path) = window().location().pathname() else {
        return;
    };
    if let Some(found) = RouteDefs::new(table()).match_route(&path) {
        found.into_view_and_child().0.preload().await;
    }
}

type Loading<T> = Pin<Box<dyn Future<Output = T>>>;

/// A page in a chunk of its own: `view` fetches the chunk (once) and builds the page;
/// `preload` only fetches it, which the router awaits before it leaves the current page.
#[derive(Clone, Copy)]
pub struct LazyPage {
    view: fn() -> Loading<AnyView>,
    preload: fn() -> Loading<()>,
}

impl ChooseView for LazyPage {
    async fn choose(self) -> AnyView {
        (self.view)().await
    }

    async fn preload(&self) {
        (self.preload)().await
    }
}

macro_rules! lazy_pages {
    ($($name:ident => $page:path),* $(,)?) => {$(
        // A module per page, so that `#[lazy]`'s preload function has a name to call
        // (`__preload_page`); its argument names the chunk (`split_<name>_<hash>.wasm`).
        pub mod $name {
            use leptos::prelude::*;

            #[leptos::lazy($name)]
            pub fn page() -> AnyView {
                $page().into_any()
            }

            pub const PAGE: super::LazyPage = super::LazyPage {
                view: || Box::pin(page()),
                // The server renders the page in one go; only the browser fetches chunks.
                #[cfg(target_arch = "wasm32")]
                preload: || Box::pin(__preload_page()),
                #[cfg(not(target_arch = "wasm32"))]
                preload: || Box::pin(async {}),
            };
        }
    )*};
}

lazy_pages! {
    meetings => crate::meetings::views::MeetingsPage,
    meeting => crate::meetings::detail::MeetingPage,
    code_screen => crate::meetings::views::CodeScreen,
    points => crate::points::views::PointsPage,
    approvals => crate::points::views::ApprovalsPage,
    rules => crate::points::views::RulesPage,
    wishes => crate::wishes::views::WishesPage,
    wish => crate::wishes::views::WishPage,
    review => crate::wishes::views::ReviewPage,
    me => crate::auth::views::MePage,
    login => crate::auth::views::LoginPage,
    register => crate::auth::views::RegisterPage,
    join => crate::orgs::views::JoinPage,
    members => crate::orgs::views::MembersPage,
    invites => crate::orgs::views::InvitesPage,
    compliance => crate::meetings::views::CompliancePage,
    admin => crate::orgs::views::AdminPage,
    subtree_compliance => crate::meetings::views::SubtreeCompliancePage,
    outbox => crate::offline::views::OutboxPage,
    suggestions => crate::suggestions::views::SuggestionsPage,
    standings => crate::stars::views::StandingsPage,
    star_templates => crate::stars::views::TemplatesPage,
    branch_stars => crate::stars::views::BranchStarsPage,
    my_review => crate::reviews::views::MyReviewPage,
    review_board => crate::reviews::views::BoardPage,
    records => crate::meetings::minutes::RecordsPage,
}
