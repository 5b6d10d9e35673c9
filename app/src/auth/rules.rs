//! Input rules for accounts. Pure functions: the server applies them before touching the
//! database and the forms reuse them, so both say the same thing.

use crate::error::AppError;

/// Accepts a mainland mobile number as people type it (spaces, dashes, a +86 prefix)
/// and returns its 11 digits.
pub fn normalize_phone(input: &str) -> Result<String, AppError> {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err(AppError::PhoneRequired);
    }
    let without_separators: String = trimmed
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '\u{3000}'))
        .collect();
    let digits = without_separators
        .strip_prefix("+86")
        .or_else(|| without_separators.strip_prefix("0086"))
        .unwrap_or(&without_separators);
    let valid = digits.len() == 11
        && digits.chars().all(|c| c.is_ascii_digit())
        && digits.starts_with('1')
        && matches!(digits.as_bytes()[1], b'3'..=b'9');
    if valid {
        Ok(digits.to_string())
    } else {
        Err(AppError::PhoneInvalid)
    }
}

pub const PASSWORD_MIN: usize = 8;
pub const PASSWORD_MAX: usize = 128;

pub fn check_password(password: &str) -> Result<(), AppError> {
    let len = password.chars().count();
    if len < PASSWORD_MIN {
        return Err(AppError::PasswordTooShort);
    }
    if len > PASSWORD_MAX {
        return Err(AppError::PasswordTooLong);
    }
    let has_letter = password.chars().any(|c| c.is_alphabetic());
    let has_digit = password.chars().any(|c| c.is_ascii_digit());
    if !(has_letter && has_digit) {
        return Err(AppError::PasswordWeak);
    }
    Ok(())
}

pub const NAME_MAX: usize = 40;

/// Trims a person's or an organisation's name and checks its length.
pub fn normalize_name(input: &str) -> Result<String, AppError> {
    let name = input.trim();
    if name.is_empty() {
        return Err(AppError::NameRequired);
    }
    if name.chars().count() > NAME_MAX {
        return Err(AppError::NameTooLong);
    }
    Ok(name.to_string())
}

/// Every input rule of a new account, in the order the form shows them: the normalised
/// phone number and name.
pub fn check_new_account(
    phone: &str,
    name: &str,
    password: &str,
) -> Result<(String, String), AppError> {
    let phone = normalize_phone(phone)?;
    let name = normalize_name(name)?;
    check_password(password)?;
    Ok((phone, name))
}

/// A resident registers into a community picked from the list; a blank one is none.
pub fn check_community_chosen(community_id: &str) -> Result<(), AppError> {
    if community_id.trim().is_empty() {
        Err(AppError::CommunityRequired)
    } else {
        Ok(())
    }
}

/// Shows a phone number with its middle digits hidden, for lists others can see.
pub fn mask_phone(phone: &str) -> String {
    if phone.len() == 11 && phone.is_ascii() {
        format!("{}****{}", &phone[..3], &phone[7..])
    } else {
        "****".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_accepts_common_ways_of_typing_it() {
        assert_eq!(normalize_phone("13800138000").unwrap(), "13800138000");
        assert_eq!(normalize_phone(" 138-0013-8000 ").unwrap(), "13800138000");
        assert_eq!(normalize_phone("+86 138 0013 8000").unwrap(), "13800138000");
        assert_eq!(normalize_phone("008613800138000").unwrap(), "13800138000");
    }

    #[test]
    fn phone_rejects_empty_and_malformed() {
        assert_eq!(normalize_phone(""), Err(AppError::PhoneRequired));
        assert_eq!(normalize_phone("   "), Err(AppError::PhoneRequired));
        assert_eq!(normalize_phone("1380013800"), Err(AppError::PhoneInvalid));
        assert_eq!(normalize_phone("138001380001"), Err(AppError::PhoneInvalid));
        assert_eq!(normalize_phone("23800138000"), Err(AppError::PhoneInvalid));
        assert_eq!(normalize_phone("12800138000"), Err(AppError::PhoneInvalid));
        assert_eq!(normalize_phone("1380013800a"), Err(AppError::PhoneInvalid));
        assert_eq!(
            normalize_phone("１３８００１３８０００"),
            Err(AppError::PhoneInvalid)
        );
    }

    #[test]
    fn password_needs_length_letters_and_digits() {
        assert_eq!(check_password("abc123"), Err(AppError::PasswordTooShort));
        assert_eq!(check_password("abcdefgh"), Err(AppError::PasswordWeak));
        assert_eq!(check_password("12345678"), Err(AppError::PasswordWeak));
        assert!(check_password("abcd1234").is_ok());
        assert!(check_password("党员学习2024").is_ok());
        assert_eq!(
            check_password(&"a1".repeat(65)),
            Err(AppError::PasswordTooLong)
        );
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(normalize_name("  张三 ").unwrap(), "张三");
        assert_eq!(normalize_name(" "), Err(AppError::NameRequired));
        assert!(normalize_name(&"字".repeat(40)).is_ok());
        assert_eq!(normalize_name(&"字".repeat(41)), Err(AppError::NameTooLong));
    }

    #[test]
    fn a_resident_chooses_a_community() {
        assert_eq!(check_community_chosen(""), Err(AppError::CommunityRequired));
        assert_eq!(
            check_community_chosen("  "),
            Err(AppError::CommunityRequired)
        );
        assert!(check_community_chosen("c1").is_ok());
    }

    #[test]
    fn masked_phone_hides_the_middle() {
        assert_eq!(mask_phone("13800138000"), "138****8000");
        assert_eq!(mask_phone("bad"), "****");
    }
}
