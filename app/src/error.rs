//! One error type for the whole app. It crosses the wire from server function to view
//! unchanged, so the view can show the right message in the current language.

use crate::i18n::{Locale, Msg};
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("phone required")]
    PhoneRequired,
    #[error("phone invalid")]
    PhoneInvalid,
    #[error("password too short")]
    PasswordTooShort,
    #[error("password too long")]
    PasswordTooLong,
    #[error("password weak")]
    PasswordWeak,
    #[error("name required")]
    NameRequired,
    #[error("name too long")]
    NameTooLong,
    #[error("phone taken")]
    PhoneTaken,
    #[error("wrong credentials")]
    WrongCredentials,
    #[error("wrong password")]
    WrongPassword,
    #[error("community required")]
    CommunityRequired,
    #[error("invite not found")]
    InviteNotFound,
    #[error("invite expired")]
    InviteExpired,
    #[error("invite revoked")]
    InviteRevoked,
    #[error("already a member")]
    AlreadyMember,
    #[error("member of another branch")]
    InBranchAlready,
    #[error("invalid validity")]
    ValidDays,
    #[error("not logged in")]
    NotLoggedIn,
    #[error("forbidden")]
    Forbidden,
    #[error("not found")]
    NotFound,
    #[error("rate limited")]
    RateLimited,
    #[error("org kind not allowed under parent")]
    OrgKind,
    #[error("user not found")]
    UserNotFound,
    #[error("group not in branch")]
    GroupNotInBranch,
    #[error("not in a branch")]
    NotInBranch,
    #[error("text required")]
    TextRequired,
    #[error("text too long")]
    TextTooLong,
    #[error("malformed offline op")]
    BadPayload,
    #[error("unknown offline op")]
    UnknownOp,
    #[error("op made by another user of this phone")]
    OpOfAnotherUser,
    #[error("check-in code malformed")]
    CheckinMalformed,
    #[error("check-in outside the window")]
    CheckinOutsideWindow,
    #[error("wrong check-in code")]
    CheckinWrongCode,
    #[error("check-in code of a slot not yet begun")]
    CheckinFutureCode,
    #[error("check-in code expired when scanned")]
    CheckinExpired,
    #[error("check-in synced too long after the meeting")]
    CheckinSyncedTooLate,
    #[error("meeting cancelled")]
    MeetingCancelled,
    #[error("meeting times invalid")]
    MeetingTimes,
    #[error("not expected at this meeting")]
    NotExpected,
    #[error("leave asked after the start")]
    LeaveTooLate,
    #[error("a reason is required")]
    ReasonRequired,
    #[error("meeting already started")]
    MeetingStarted,
    #[error("meeting in the past needs a reason to be recorded")]
    MeetingInPast,
    #[error("a meeting recorded afterwards takes no check-ins")]
    MeetingRecordedLater,
    #[error("too many pledges still at work")]
    TooManyPledges,
    #[error("meeting not started yet")]
    MeetingNotStarted,
    #[error("already present")]
    AlreadyPresent,
    #[error("rule invalid")]
    RuleInvalid,
    #[error("task invalid")]
    TaskInvalid,
    #[error("already decided")]
    AlreadyDecided,
    #[error("own claim")]
    OwnClaim,
    #[error("deciding on one's own record")]
    OwnRecord,
    #[error("points invalid")]
    PointsInvalid,
    #[error("ranking off")]
    RankingOff,
    #[error("task closed")]
    TaskClosed,
    #[error("task full")]
    TaskFull,
    #[error("task not signed up")]
    TaskNotSigned,
    #[error("minutes too long")]
    MinutesTooLong,
    #[error("place too long")]
    PlaceTooLong,
    #[error("photo unreadable or too large")]
    PhotoInvalid,
    #[error("daily photo quota reached")]
    PhotoQuota,
    #[error("item has all the evidence photos it may have")]
    EvidencePhotosFull,
    #[error("wish quota reached")]
    WishQuota,
    #[error("wish title missing or too long")]
    WishTitle,
    #[error("wish story missing or too long")]
    WishStory,
    #[error("wish category unknown")]
    WishCategory,
    #[error("crowdfunding target invalid")]
    WishTarget,
    #[error("crowdfunding unit invalid")]
    WishUnit,
    #[error("needed-by date invalid")]
    WishNeededBy,
    #[error("contact address missing or too long")]
    WishAddress,
    #[error("star template invalid")]
    StarTemplate,
    #[error("no star template")]
    NoStarTemplate,
    #[error("star marks invalid")]
    StarMarks,
    #[error("star year invalid")]
    StarYear,
    #[error("rating one's own branch")]
    OwnBranch,
    #[error("excellent share invalid")]
    ReviewCap,
    #[error("excellent share reached")]
    ExcellentCapReached,
    #[error("review closed")]
    ReviewClosed,
    #[error("review already opened this year")]
    ReviewExists,
    #[error("not taking part in the review")]
    NotInReview,
    #[error("a ballot with no marks")]
    BallotEmpty,
    #[error("not a cadre of a committee above")]
    NotCadre,
    #[error("due date invalid")]
    DueDate,
    #[error("not possible in the wish's state")]
    WishIllegal,
    #[error("pledge larger than the part still open")]
    WishOverPledged,
    #[error("pledge quantity invalid")]
    WishQuantity,
    #[error("not reported to the wish's community")]
    NotReported,
    #[error("the member's branch is not paired with the community")]
    NotPaired,
    #[error("too many pledges released lately")]
    PledgeLimit,
    #[error("proof photo required")]
    ProofRequired,
    #[error("wish past its needed-by day")]
    WishOverdue,
    #[error("reviewing one's own wish")]
    OwnWish,
    #[error("community paired elsewhere; an admin adds pairings")]
    PairingNeedsAdmin,
    #[error("internal error")]
    Internal,
    #[error("network: {0}")]
    Network(String),
}

impl AppError {
    pub fn msg(&self) -> Msg {
        use AppError::*;
        match self {
            PhoneRequired => Msg::ErrPhoneRequired,
            PhoneInvalid => Msg::ErrPhoneInvalid,
            PasswordTooShort => Msg::ErrPasswordTooShort,
            PasswordTooLong => Msg::ErrPasswordTooLong,
            PasswordWeak => Msg::ErrPasswordWeak,
            NameRequired => Msg::ErrNameRequired,
            NameTooLong => Msg::ErrNameTooLong,
            PhoneTaken => Msg::ErrPhoneTaken,
            WrongCredentials => Msg::ErrWrongCredentials,
            WrongPassword => Msg::ErrWrongPassword,
            CommunityRequired => Msg::ErrCommunityRequired,
            InviteNotFound => Msg::ErrInviteNotFound,
            InviteExpired => Msg::ErrInviteExpired,
            InviteRevoked => Msg::ErrInviteRevoked,
            AlreadyMember => Msg::ErrAlreadyMember,
            InBranchAlready => Msg::ErrInBranchAlready,
            ValidDays => Msg::ErrValidDays,
            NotLoggedIn => Msg::ErrNotLoggedIn,
            Forbidden => Msg::ErrForbidden,
            NotFound => Msg::ErrNotFound,
            RateLimited => Msg::ErrRateLimited,
            OrgKind => Msg::ErrOrgKind,
            UserNotFound => Msg::ErrUserNotFound,
            GroupNotInBranch => Msg::ErrGroupNotInBranch,
            NotInBranch => Msg::ErrNotInBranch,
            TextRequired => Msg::ErrTextRequired,
            TextTooLong => Msg::ErrTextTooLong,
            BadPayload => Msg::ErrBadPayload,
            UnknownOp => Msg::ErrUnknownOp,
            OpOfAnotherUser => Msg::ErrOpOfAnotherUser,
            CheckinMalformed => Msg::ErrCheckinMalformed,
            CheckinOutsideWindow => Msg::ErrCheckinOutsideWindow,
            CheckinWrongCode => Msg::ErrCheckinWrongCode,
            CheckinFutureCode => Msg::ErrCheckinFutureCode,
            CheckinExpired => Msg::ErrCheckinExpired,
            CheckinSyncedTooLate => Msg::ErrCheckinSyncedTooLate,
            MeetingCancelled => Msg::ErrMeetingCancelled,
            MeetingTimes => Msg::ErrMeetingTimes,
            NotExpected => Msg::ErrNotExpected,
            LeaveTooLate => Msg::ErrLeaveTooLate,
            ReasonRequired => Msg::ErrReasonRequired,
            MeetingStarted => Msg::ErrMeetingStarted,
            MeetingInPast => Msg::ErrMeetingInPast,
            MeetingRecordedLater => Msg::ErrMeetingRecordedLater,
            TooManyPledges => Msg::ErrTooManyPledges,
            MeetingNotStarted => Msg::ErrMeetingNotStarted,
            AlreadyPresent => Msg::ErrAlreadyPresent,
            PhotoInvalid => Msg::ErrPhotoInvalid,
            PhotoQuota => Msg::ErrPhotoQuota,
            EvidencePhotosFull => Msg::ErrEvidencePhotosFull,
            WishQuota => Msg::ErrWishQuota,
            WishTitle => Msg::ErrWishTitle,
            WishStory => Msg::ErrWishStory,
            WishCategory => Msg::ErrWishCategory,
            WishTarget => Msg::ErrWishTarget,
            WishUnit => Msg::ErrWishUnit,
            WishNeededBy => Msg::ErrWishNeededBy,
            WishAddress => Msg::ErrWishAddress,
            WishIllegal => Msg::ErrWishIllegal,
            WishOverPledged => Msg::ErrWishOverPledged,
            WishQuantity => Msg::ErrWishQuantity,
            NotReported => Msg::ErrNotReported,
            NotPaired => Msg::ErrNotPaired,
            PledgeLimit => Msg::ErrPledgeLimit,
            ProofRequired => Msg::ErrProofRequired,
            WishOverdue => Msg::ErrWishOverdue,
            OwnWish => Msg::ErrOwnWish,
            PairingNeedsAdmin => Msg::ErrPairingNeedsAdmin,
            MinutesTooLong => Msg::ErrMinutesTooLong,
            PlaceTooLong => Msg::ErrPlaceTooLong,
            TaskInvalid => Msg::ErrTaskInvalid,
            RuleInvalid => Msg::ErrRuleInvalid,
            AlreadyDecided => Msg::ErrAlreadyDecided,
            OwnClaim => Msg::ErrOwnClaim,
            OwnRecord => Msg::ErrOwnRecord,
            StarTemplate => Msg::ErrStarTemplate,
            NoStarTemplate => Msg::ErrNoStarTemplate,
            StarMarks => Msg::ErrStarMarks,
            StarYear => Msg::ErrStarYear,
            OwnBranch => Msg::ErrOwnBranch,
            ReviewCap => Msg::ErrReviewCap,
            ExcellentCapReached => Msg::ErrExcellentCapReached,
            ReviewClosed => Msg::ErrReviewClosed,
            ReviewExists => Msg::ErrReviewExists,
            NotInReview => Msg::ErrNotInReview,
            BallotEmpty => Msg::ErrBallotEmpty,
            NotCadre => Msg::ErrNotCadre,
            DueDate => Msg::ErrDueDate,
            PointsInvalid => Msg::ErrPointsInvalid,
            RankingOff => Msg::ErrRankingOff,
            TaskClosed => Msg::ErrTaskClosed,
            TaskFull => Msg::ErrTaskFull,
            TaskNotSigned => Msg::ErrTaskNotSigned,
            Internal => Msg::ErrInternal,
            Network(_) => Msg::ErrNetwork,
        }
    }

    pub fn message(&self, locale: Locale) -> &'static str {
        self.msg().text(locale)
    }

    pub fn status_code(&self) -> u16 {
        use AppError::*;
        match self {
            NotLoggedIn | WrongCredentials => 401,
            Forbidden | NotPaired | OwnClaim | OwnRecord | OwnWish | PairingNeedsAdmin
            | OpOfAnotherUser | OwnBranch | NotInReview => 403,
            NotFound | UserNotFound | InviteNotFound => 404,
            PhoneTaken | AlreadyMember | InBranchAlready | AlreadyPresent | AlreadyDecided
            | TaskFull | WishOverPledged | WishIllegal | ReviewExists | ExcellentCapReached => 409,
            InviteExpired | InviteRevoked => 410,
            RateLimited => 429,
            Internal => 500,
            Network(_) => 503,
            _ => 400,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = crate::json::Json;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            // Arguments that do not parse are the caller's mistake (400), never a network
            // failure (503). On the server a body that does not decode is one too; in the
            // browser it is an answer spoilt on the way.
            ServerFnErrorErr::Args(_) | ServerFnErrorErr::MissingArg(_) => AppError::BadPayload,
            #[cfg(feature = "ssr")]
            ServerFnErrorErr::Deserialization(_) => AppError::BadPayload,
            other => AppError::Network(other.to_string()),
        }
    }
}

#[cfg(feature = "ssr")]
impl From<std::io::Error> for AppError {
    fn from(err: std::io::Error) -> Self {
        tracing::error!(error = %err, "file error");
        AppError::Internal
    }
}

#[cfg(feature = "ssr")]
impl From<sqlx::Error> for AppError {
    fn from(err: sqlx::Error) -> Self {
        tracing::error!(error = %err, "database error");
        AppError::Internal
    }
}

pub type AppResult<T> = Result<T, AppError>;
