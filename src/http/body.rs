//! `Body<T>`: a JSON request body that must be a JSON object. actix's own
//! `Json<T>` lets serde read a struct from an array (`["x"]` for `{reason}`),
//! so a body of the wrong JSON type could be answered 200; here it is 422
//! `invalid_body`, like any body without the expected fields.

use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;

use crate::error::AppError;

pub struct Body<T>(pub T);

impl<T> Body<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for Body<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for Body<T> {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        // Size, media type and syntax are checked (and answered) as for any
        // JSON body; an array or a number is refused there as not an object.
        let object =
            web::Json::<serde_json::Map<String, serde_json::Value>>::from_request(req, payload);
        Box::pin(async move {
            let mut object = serde_json::Value::Object(object.await?.into_inner());
            whole_numbers_as_integers(&mut object);
            serde_json::from_value(object).map(Body).map_err(|e| {
                AppError::Validation {
                    code: "invalid_body",
                    detail: format!("the body does not have the expected fields: {e}"),
                    errors: Vec::new(),
                }
                .into()
            })
        })
    }
}

/// JSON has one number type: `23.0` is the integer 23 to a JSON Schema (and
/// to any client that writes numbers as doubles), so it is read as one.
fn whole_numbers_as_integers(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Number(number) if !number.is_i64() && !number.is_u64() => {
            if let Some(float) = number.as_f64()
                && float.fract() == 0.0
                && float.abs() < 9.0e15
            {
                // Exact below 2^53: the conversion loses nothing.
                #[allow(clippy::cast_possible_truncation)]
                let whole = float as i64;
                *value = serde_json::Value::from(whole);
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(whole_numbers_as_integers),
        serde_json::Value::Object(fields) => {
            fields.values_mut().for_each(whole_numbers_as_integers)
        }
        _ => {}
    }
}
