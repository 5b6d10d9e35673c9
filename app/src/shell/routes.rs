//! Pages whose code is fetched the first time they are visited (`cargo leptos build
//! --split`): the home and the check-in page, which a phone with one bar of signal opens
//! first, stay in the main bundle.

use leptos::prelude::*;
use leptos_router::{lazy_route, LazyRoute};

macro_rules! lazy_pages {
    ($($route:ident => $page:path),* $(,)?) => {$(
        pub struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            fn view(_this: Self) -> AnyView {
                $page().into_any()
            }
        }
    )*};
}

lazy_pages! {
    MeetingsRoute => crate::meetings::views::MeetingsPage,
    MeetingRoute => crate::meetings::detail::MeetingPage,
    CodeScreenRoute => crate::meetings::views::CodeScreen,
    PointsRoute => crate::points::views::PointsPage,
    ApprovalsRoute => crate::points::views::ApprovalsPage,
    RulesRoute => crate::points::views::RulesPage,
    WishesRoute => crate::wishes::views::WishesPage,
    WishRoute => crate::wishes::views::WishPage,
    ReviewRoute => crate::wishes::views::ReviewPage,
    MeRoute => crate::auth::views::MePage,
    LoginRoute => crate::auth::views::LoginPage,
    RegisterRoute => crate::auth::views::RegisterPage,
    JoinRoute => crate::orgs::views::JoinPage,
    MembersRoute => crate::orgs::views::MembersPage,
    InvitesRoute => crate::orgs::views::InvitesPage,
    ComplianceRoute => crate::meetings::views::CompliancePage,
    AdminRoute => crate::orgs::views::AdminPage,
    SubtreeComplianceRoute => crate::meetings::views::SubtreeCompliancePage,
    OutboxRoute => crate::offline::views::OutboxPage,
    SuggestionsRoute => crate::suggestions::views::SuggestionsPage,
    StandingsRoute => crate::stars::views::StandingsPage,
    StarTemplatesRoute => crate::stars::views::TemplatesPage,
    BranchStarsRoute => crate::stars::views::BranchStarsPage,
    MyReviewRoute => crate::reviews::views::MyReviewPage,
    ReviewBoardRoute => crate::reviews::views::BoardPage,
    RecordsRoute => crate::meetings::minutes::RecordsPage,
}
