//! 三会一课 meetings. So far the pure rules: check-in codes, attendance arithmetic and the
//! compliance calendar; storage, server functions and views come next (issue 4).

pub mod checkin;
pub mod qr;
pub mod rules;
