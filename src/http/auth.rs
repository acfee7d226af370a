//! Who is calling: bearer-token extractors for handlers.

use actix_web::{FromRequest, HttpRequest, dev::Payload, http::header, web};
use futures_util::future::LocalBoxFuture;

use crate::{
    accounts::{Role, User},
    error::AppError,
    state::AppState,
};

/// A logged-in caller (any role); 401 otherwise.
pub struct Caller {
    pub user: User,
    pub token: String,
}

/// A logged-in admin; 403 for other roles, 401 when not logged in.
pub struct Admin(pub User);

impl Caller {
    pub fn is_admin(&self) -> bool {
        self.user.role == Role::Admin
    }
}

/// A logged-in admin or staff member (door staff check tickets in).
pub struct Staff(pub User);

/// The logged-in caller if their role is one of `allowed`; 403 naming `needs` otherwise.
fn with_role(
    req: &HttpRequest,
    payload: &mut Payload,
    allowed: &'static [Role],
    needs: &'static str,
) -> LocalBoxFuture<'static, Result<User, AppError>> {
    let caller = Caller::from_request(req, payload);
    Box::pin(async move {
        let caller = caller.await?;
        if allowed.contains(&caller.user.role) {
            Ok(caller.user)
        } else {
            Err(AppError::Forbidden(needs))
        }
    })
}

impl FromRequest for Admin {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Admin, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let user = with_role(req, payload, &[Role::Admin], "admin");
        Box::pin(async move { user.await.map(Admin) })
    }
}

impl FromRequest for Staff {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Staff, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let user = with_role(req, payload, &[Role::Admin, Role::Staff], "staff");
        Box::pin(async move { user.await.map(Staff) })
    }
}

/// A caller who may be anonymous; an invalid token counts as anonymous.
pub struct MaybeCaller(pub Option<User>);

fn bearer(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    let token = token.trim();
    (!token.is_empty() && token.len() <= 256).then(|| token.to_string())
}

impl FromRequest for Caller {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Caller, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = bearer(req);
        Box::pin(async move {
            let state = state.ok_or_else(|| AppError::Internal("no application state".into()))?;
            let token = token.ok_or(AppError::Unauthenticated)?;
            let user = state.accounts.authenticate(&token).await?;
            Ok(Caller { user, token })
        })
    }
}

impl FromRequest for MaybeCaller {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<MaybeCaller, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = bearer(req);
        Box::pin(async move {
            let (Some(state), Some(token)) = (state, token) else {
                return Ok(MaybeCaller(None));
            };
            match state.accounts.authenticate(&token).await {
                Ok(user) => Ok(MaybeCaller(Some(user))),
                Err(AppError::Unauthenticated) => Ok(MaybeCaller(None)),
                Err(other) => Err(other),
            }
        })
    }
}
