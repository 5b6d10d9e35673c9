//! 微心愿: residents' wishes, reviewed by a paired branch, claimed (or, crowdfunded, pledged
//! in parts) by members and units, fulfilled with proof and confirmed by the resident. So
//! far the rules; storage, ops and views are next (issue 6).

pub mod rules;
