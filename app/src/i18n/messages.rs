use super::Locale;

macro_rules! messages {
    ($($key:ident => $zh:literal, $en:literal;)*) => {
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum Msg { $($key),* }

        impl Msg {
            pub const ALL: &'static [Msg] = &[$(Msg::$key),*];

            pub fn text(self, locale: Locale) -> &'static str {
                match (self, locale) {
                    $((Msg::$key, Locale::Zh) => $zh, (Msg::$key, Locale::En) => $en,)*
                }
            }
        }
    };
}

messages! {
    AppName => "支部通", "Zhibu";
    TabHome => "首页", "Home";
    TabMeetings => "会议", "Meetings";
    TabPoints => "积分", "Points";
    TabWishes => "心愿", "Wishes";
    TabMe => "我的", "Me";
    Loading => "加载中…", "Loading…";
    Back => "返回", "Back";
    Retry => "重试", "Retry";
    Save => "保存", "Save";
    Saving => "正在保存…", "Saving…";
    Cancel => "取消", "Cancel";
    Copy => "复制", "Copy";
    Copied => "已复制", "Copied";

    Phone => "手机号", "Phone number";
    PhonePlaceholder => "11 位手机号", "11-digit mobile number";
    Password => "密码", "Password";
    PasswordHint => "至少 8 位，包含字母和数字", "At least 8 characters, letters and digits";
    Name => "姓名", "Name";
    Community => "所在社区", "Community";
    ChooseCommunity => "请选择社区", "Choose your community";
    Login => "登录", "Log in";
    LoggingIn => "正在登录…", "Logging in…";
    Logout => "退出登录", "Log out";
    Register => "注册", "Register";
    RegisterResident => "居民注册", "Resident registration";
    RegisterLead => "注册后即可发布微心愿、关注社区服务。党员请使用支部书记发来的邀请链接加入。", "Register to post micro-wishes. Party members join through the invite link from their branch secretary.";
    NoAccount => "还没有账号？", "No account yet?";
    HaveAccount => "已有账号？", "Already registered?";
    LoginLead => "用手机号和密码登录", "Log in with your phone number and password";

    ChangePassword => "修改密码", "Change password";
    OldPassword => "原密码", "Current password";
    NewPassword => "新密码", "New password";
    PasswordChanged => "密码已修改，其他设备需重新登录。", "Password changed; other devices must log in again.";
    Language => "语言 / Language", "Language / 语言";

    Profile => "个人信息", "Profile";
    PartyStatus => "党员身份", "Party status";
    PartyFull => "正式党员", "Full member";
    PartyProbationary => "预备党员", "Probationary member";
    Resident => "居民", "Resident";
    MyOrgs => "我的组织", "My organisations";
    RoleAdmin => "党委管理员", "Committee admin";
    RoleSecretary => "支部书记", "Branch secretary";
    RoleGroupLeader => "党小组长", "Group leader";
    RoleMember => "党员", "Member";

    Hello => "你好", "Hello";
    HomeLead => "三会一课、积分和微心愿都在这里。", "Meetings, points and micro-wishes, all in one place.";
    SecretaryTools => "书记工作台", "Secretary tools";
    AdminTools => "组织管理", "Organisation admin";
    Members => "党员名册", "Members";
    Invites => "邀请党员", "Invite members";
    OrgTree => "组织架构", "Organisation tree";
    ComingSoon => "这一功能正在建设中，上线后会出现在这里。", "This feature is on its way and will appear here.";
    MeetingsEmpty => "暂无会议安排", "No meetings scheduled";
    PointsEmpty => "暂无积分记录", "No points yet";
    WishesEmpty => "暂无微心愿", "No micro-wishes yet";
    NotInBranch => "你还没有加入支部。请向支部书记索取邀请链接。", "You have not joined a branch yet. Ask your secretary for an invite link.";

    MemberCount => "名党员", "members";
    NoMembers => "支部还没有党员，先发一个邀请吧。", "No members yet: send an invite first.";
    Group => "党小组", "Party group";
    NoGroup => "未分组", "No group";
    JoinedAt => "加入于", "Joined";
    SetFull => "转为正式", "Make full member";
    RemoveMember => "移出支部", "Remove from branch";
    ConfirmRemove => "确定将其移出支部？", "Remove this member from the branch?";

    NewInvite => "生成邀请码", "New invite";
    ValidDays => "有效天数", "Valid for (days)";
    InviteCode => "邀请码", "Invite code";
    InviteLink => "邀请链接", "Invite link";
    ExpiresAt => "有效期至", "Expires";
    Revoke => "作废", "Revoke";
    Revoked => "已作废", "Revoked";
    Expired => "已过期", "Expired";
    Active => "有效", "Active";
    Uses => "已使用", "Used";
    NoInvites => "还没有邀请码", "No invites yet";

    JoinBranch => "加入支部", "Join branch";
    JoinLead => "你被邀请加入", "You are invited to join";
    JoinAsMe => "以当前账号加入", "Join with this account";
    JoinNew => "填写信息完成加入", "Fill in your details to join";
    Joined => "已加入支部", "You have joined the branch";
    EnterInviteCode => "输入邀请码", "Enter invite code";

    NewOrg => "新建组织", "New organisation";
    OrgName => "名称", "Name";
    OrgKind => "类型", "Kind";
    KindCommittee => "党委", "Party committee";
    KindGeneralBranch => "党总支", "General branch";
    KindBranch => "党支部", "Branch";
    KindGroup => "党小组", "Party group";
    Parent => "上级组织", "Parent";
    AppointSecretary => "任命书记", "Appoint secretary";
    SecretaryPhone => "书记手机号", "Secretary's phone";
    Secretary => "书记", "Secretary";
    Communities => "社区", "Communities";
    NewCommunity => "新建社区", "New community";
    PairedWith => "结对支部", "Paired branch";
    Pair => "结对", "Pair";
    Create => "创建", "Create";
    Done => "已完成", "Done";

    NotFoundTitle => "页面不存在", "Page not found";
    GoHome => "回到首页", "Go home";
    LoginRequired => "请先登录", "Please log in first";

    ErrPhoneRequired => "请填写手机号", "Please enter a phone number";
    ErrPhoneInvalid => "手机号格式不正确，应为 11 位数字，以 1 开头", "The phone number must be 11 digits starting with 1";
    ErrPasswordTooShort => "密码至少 8 位", "The password needs at least 8 characters";
    ErrPasswordTooLong => "密码不能超过 128 位", "The password may have at most 128 characters";
    ErrPasswordWeak => "密码需同时包含字母和数字", "The password needs both letters and digits";
    ErrNameRequired => "请填写姓名", "Please enter a name";
    ErrNameTooLong => "名称不能超过 40 个字", "Names have at most 40 characters";
    ErrPhoneTaken => "该手机号已注册，请直接登录", "This phone number is already registered; please log in";
    ErrWrongCredentials => "手机号或密码不正确", "Wrong phone number or password";
    ErrWrongPassword => "原密码不正确", "The current password is wrong";
    ErrCommunityRequired => "请选择所在社区", "Please choose your community";
    ErrInviteNotFound => "邀请码不存在，请核对后重试", "No such invite code; please check it";
    ErrInviteExpired => "邀请已过期，请向书记索取新的邀请", "This invite has expired; ask your secretary for a new one";
    ErrInviteRevoked => "邀请已被作废，请向书记索取新的邀请", "This invite was revoked; ask your secretary for a new one";
    ErrAlreadyMember => "你已经是该支部党员", "You are already a member of this branch";
    ErrInBranchAlready => "你已属于另一个支部，请先办理组织关系转接", "You already belong to another branch; transfer your membership first";
    ErrValidDays => "有效天数应在 1 到 30 天之间", "Validity must be between 1 and 30 days";
    ErrNotLoggedIn => "登录已失效，请重新登录", "Your session has ended; please log in again";
    ErrForbidden => "无权访问：此操作需要相应的组织职务", "Not allowed: this needs the matching role in the organisation";
    ErrNotFound => "要找的内容不存在", "Not found";
    ErrRateLimited => "尝试次数过多，请稍后再试", "Too many attempts; please try again later";
    ErrOrgKind => "该类型的组织不能建在这个上级下面", "That kind of organisation cannot sit under this parent";
    ErrUserNotFound => "没有使用该手机号的用户", "No user has that phone number";
    ErrGroupNotInBranch => "该党小组不属于本支部", "That group is not in this branch";
    ErrNotInBranch => "你还没有加入支部，无法提交", "You have not joined a branch, so this cannot be sent";
    ErrTextRequired => "请填写内容", "Please write something";
    ErrTextTooLong => "内容不能超过 500 字", "At most 500 characters";
    ErrBadPayload => "数据格式有误，无法处理", "This record is malformed and cannot be processed";
    ErrUnknownOp => "此版本的服务器不认识这项操作，请更新应用", "The server does not know this operation; please update the app";
    Offline => "离线", "Offline";
    UpdatedAt => "更新于", "updated";
    NewVersion => "有新版本", "A new version is available";
    Reload => "刷新", "Reload";
    Outbox => "待同步", "Waiting to sync";
    OutboxEmpty => "没有待同步的内容，全部已送达。", "Nothing waiting: everything has been delivered.";
    OutboxLead => "没有信号时提交的内容会先保存在手机上，联网后按顺序自动发送。", "What you submit without signal is kept on this phone and sent in order once you are online.";
    StatusPending => "待同步", "Pending";
    StatusRejected => "未通过", "Refused";
    Dismiss => "知道了，删除", "Dismiss";
    SyncNow => "立即同步", "Sync now";
    NoServiceWorker => "此浏览器不支持离线使用。请用手机自带浏览器打开，或添加到主屏幕。", "This browser cannot work offline. Open Zhibu in the phone's own browser or install it.";
    Suggestions => "意见建议", "Suggestions";
    SuggestionLead => "给支部提意见和建议，没有信号也能先写下来。", "Send your branch a suggestion; you can write it even without signal.";
    SuggestionBody => "内容", "Your suggestion";
    Submit => "提交", "Submit";
    Queued => "已保存，联网后自动发送", "Saved; it will be sent when you are online";
    MySuggestions => "我提交的", "My suggestions";
    NoSuggestions => "还没有提交过意见建议", "No suggestions yet";
    ErrCheckinMalformed => "签到码应为 6 位数字", "The check-in code has 6 digits";
    ErrCheckinOutsideWindow => "不在签到时间内：签到码只在会议开始前 15 分钟到会议结束时有效", "Outside check-in time: codes work from 15 minutes before the start to the end";
    ErrCheckinWrongCode => "签到码不正确或已过期，请扫描屏幕上最新的二维码", "Wrong or expired code; scan the latest code on the screen";
    ErrMeetingCancelled => "会议已取消", "The meeting was cancelled";
    ErrMeetingTimes => "结束时间应晚于开始时间，且会议不超过 12 小时", "The end must follow the start, and a meeting lasts at most 12 hours";
    ErrNotExpected => "你不在本次会议的参会名单中", "You are not on this meeting's list";
    ErrLeaveTooLate => "会议已经开始，不能再请假；如有特殊情况请联系书记", "The meeting has started, so leave can no longer be asked; talk to the secretary";
    ErrReasonRequired => "请填写原因（不超过 200 字）", "Please give a reason (at most 200 characters)";
    ErrMeetingStarted => "会议已经开始，时间不能再修改", "The meeting has started; its times can no longer change";
    ErrMeetingNotStarted => "会议还没有开始，不能补录", "The meeting has not started; nothing to correct yet";
    ErrAlreadyPresent => "该党员已经签到，无需补录", "This member is already checked in";
    ErrMinutesTooLong => "会议记录不能超过 20000 字", "Minutes are limited to 20,000 characters";
    ErrPhotoInvalid => "照片无法读取或太大，请换一张（JPEG/PNG，不超过 8 MB）", "The photo cannot be read or is too large (JPEG/PNG, at most 8 MB)";
    ScheduleMeeting => "安排会议", "Schedule a meeting";
    MeetingOrg => "组织", "Organisation";
    MeetingAgenda => "议程", "Agenda";
    MeetingDetails => "会议详情", "Meeting";
    AttendanceSheet => "签到表", "Attendance sheet";
    SheetExpected => "应到", "Expected";
    SheetPresent => "实到", "Present";
    SheetAwaiting => "未签到", "Not yet in";
    SheetLiveNote => "会议开始时确定应到名单，此前随支部名单变化", "The list of who is expected is fixed when the meeting starts";
    QuorumMet => "正式党员到会超过半数，可以表决", "More than half of the voting members are present: decisions may be taken";
    QuorumMissed => "正式党员到会未过半数，不能表决", "Not more than half of the voting members are present: no vote";
    AskLeave => "请假", "Ask for leave";
    LeaveKind => "请假类型", "Kind of leave";
    LeaveReason => "请假原因", "Reason";
    LeavePending => "请假待批准", "Leave awaiting approval";
    LeaveApproved => "请假已批准", "Leave approved";
    LeaveRefused => "请假未批准", "Leave refused";
    LeaveQueued => "请假已提交，等待书记批准", "Leave asked; the secretary will decide";
    Approve => "批准", "Approve";
    Refuse => "不批准", "Refuse";
    DecisionNote => "说明（不批准时必填）", "Note (required to refuse)";
    Correct => "补录", "Correct";
    CorrectionReason => "补录原因", "Why this correction";
    CorrectionLead => "补录会标注在签到表上并记入审计日志，不产生自动积分。", "A correction is marked on the sheet, audited, and earns no automatic points.";
    CancelMeeting => "取消会议", "Cancel meeting";
    CancelReason => "取消原因", "Why it is cancelled";
    EditMeeting => "修改会议", "Edit meeting";
    EditReason => "修改原因", "Why it changes";
    Minutes => "会议记录", "Minutes";
    SaveMinutes => "保存会议记录", "Save minutes";
    NoMinutes => "还没有会议记录", "No minutes yet";
    Saved => "已保存", "Saved";
    Photos => "照片和签到表扫描件", "Photos and scanned sheets";
    AddPhoto => "添加照片", "Add a photo";
    AddSheetScan => "添加签到表扫描件", "Add a scanned sheet";
    NoPhotos => "还没有照片", "No photos yet";
    PhotoQueued => "照片已压缩保存，联网后上传", "Photo resized and saved; it uploads when you are online";
    Upcoming => "即将召开", "Upcoming";
    Past => "已召开", "Past";
    ExportCsv => "导出 CSV", "Export CSV";
    ScanToCheckIn => "扫码签到", "Scan to check in";
    ScanHint => "把手机对准屏幕上的签到二维码", "Point the phone at the check-in code on the screen";
    ScanStop => "停止扫码", "Stop scanning";
    ScanNoCamera => "无法打开相机：请允许使用相机，或用手机相机扫码、输入 6 位签到码", "The camera cannot be opened: allow it, or scan with the phone's camera, or type the 6 digits";
    ScanNotCheckin => "这不是支部通的签到二维码", "That is not a Zhibu check-in code";
    SubtreeCompliance => "下级支部三会一课", "Branches' meetings";
    MeetingKind => "会议类型", "Kind of meeting";
    MeetingTitle => "会议主题", "Title";
    MeetingPlace => "地点", "Place";
    StartsAt => "开始时间", "Starts";
    EndsAt => "结束时间", "Ends";
    Cancelled => "已取消", "Cancelled";
    CheckIn => "签到", "Check in";
    ShowCode => "签到码", "Check-in code";
    CheckinDigits => "输入屏幕上的 6 位签到码", "Type the 6 digits on the screen";
    CheckinQueued => "签到已提交，没有信号时会在联网后自动发送", "Check-in submitted; without signal it is sent once you are online";
    PresenceOnTime => "已签到", "Present";
    PresenceLate => "迟到", "Late";
    PresenceLeave => "请假", "On leave";
    PresenceAbsent => "缺席", "Absent";
    PresenceCorrected => "补录", "Corrected";
    Compliance => "三会一课合规日历", "Meeting compliance";
    ComplianceLead => "红色月份有应开未开的会议", "red months miss a required meeting";
    ComplianceNothingYet => "今年还没有已结束的月份", "No month of this year is over yet";
    ErrInternal => "服务器出了点问题，请稍后再试", "Something went wrong on the server; please try again";
    ErrNetwork => "网络连接失败，请检查网络后重试", "Network error; check your connection and retry";
}
