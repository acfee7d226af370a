//! What a registration must look like.

use serde::Deserialize;

use crate::error::{AppError, AppResult, FieldError};

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct Registration {
    /// Printable ASCII, one `@`, a dot in the domain; compared in lower case.
    #[schema(
        max_length = 254,
        pattern = r"^[!-?A-~]+@[!--/-?A-~][!-?A-~]*\.[!-?A-~]*[!--/-?A-~]$"
    )]
    pub email: String,
    #[schema(min_length = 8, max_length = 128)]
    pub password: String,
    /// 1 to 100 printable characters.
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*$"
    )]
    pub name: String,
    /// With country code (`+6281234567890`); empty for none.
    #[serde(default)]
    #[schema(pattern = r"^(\+[0-9]{8,15})?$", nullable)]
    pub phone: Option<String>,
}

/// A registration that passed validation, normalized.
#[derive(Debug, Clone)]
pub struct ValidRegistration {
    pub email: String,
    pub password: String,
    pub name: String,
    pub phone: Option<String>,
}

impl Registration {
    pub fn validate(self) -> AppResult<ValidRegistration> {
        let mut errors = Vec::new();
        let email = self.email.trim().to_lowercase();
        if !is_email(&email) {
            errors.push(FieldError::new("email", "must be an e-mail address"));
        }
        let password_len = self.password.chars().count();
        if !(8..=128).contains(&password_len) {
            errors.push(FieldError::new("password", "must be 8 to 128 characters"));
        }
        let name = self.name.trim().to_string();
        if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
            errors.push(FieldError::new(
                "name",
                "must be 1 to 100 printable characters",
            ));
        }
        let phone = match self.phone.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(phone) => match normalize_phone(phone) {
                Some(phone) => Some(phone),
                None => {
                    errors.push(FieldError::new(
                        "phone",
                        "must be a phone number with country code, like +6281234567890",
                    ));
                    None
                }
            },
        };
        if !errors.is_empty() {
            return Err(AppError::Validation {
                code: "invalid_fields",
                detail: "some fields are invalid".into(),
                errors,
            });
        }
        Ok(ValidRegistration {
            email,
            password: self.password,
            name,
            phone,
        })
    }
}

fn is_email(email: &str) -> bool {
    if email.len() > 254 || email.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        }
        None => false,
    }
}

/// `+62 812-3456-7890` → `+6281234567890`; a local `0812…` is read as Indonesian.
fn normalize_phone(phone: &str) -> Option<String> {
    let compact: String = phone
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '(' | ')' | '.'))
        .collect();
    let digits = if let Some(rest) = compact.strip_prefix('+') {
        rest.to_string()
    } else if let Some(rest) = compact.strip_prefix('0') {
        format!("62{rest}")
    } else {
        return None;
    };
    if (8..=15).contains(&digits.len()) && digits.chars().all(|c| c.is_ascii_digit()) {
        Some(format!("+{digits}"))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn registration(email: &str, password: &str, name: &str, phone: Option<&str>) -> Registration {
        Registration {
            email: email.into(),
            password: password.into(),
            name: name.into(),
            phone: phone.map(Into::into),
        }
    }

    #[test]
    fn a_valid_registration_is_normalized() {
        let valid = registration(
            " Sari@Example.COM ",
            "rahasia123",
            " Sari ",
            Some("0812-3456-7890"),
        )
        .validate()
        .expect("valid");
        assert_eq!(valid.email, "sari@example.com");
        assert_eq!(valid.name, "Sari");
        assert_eq!(valid.phone.as_deref(), Some("+6281234567890"));
    }

    #[test]
    fn every_invalid_field_is_reported_at_once() {
        let Err(AppError::Validation { errors, code, .. }) =
            registration("not-an-email", "short", "", Some("call me")).validate()
        else {
            panic!("expected a validation error");
        };
        assert_eq!(code, "invalid_fields");
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["email", "password", "name", "phone"]);
    }
}
