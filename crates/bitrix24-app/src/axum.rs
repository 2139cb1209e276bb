//! `axum` extractors (feature `axum`): a handler takes a
//! [`VerifiedEvent`], an [`Installed`] portal or a [`PlacementFrame`],
//! and the request has already been read within the [`App`]'s limits,
//! decoded and (for events) verified; a refused request is answered with
//! the status its [`RequestRejection`] names.
//!
//! The router's state must give an [`App`] (`App: FromRef<S>`; an `App`
//! state itself works).
//!
//! ```no_run
//! use axum::{routing::post, Router};
//! use bitrix24_app::axum::VerifiedEvent;
//!
//! async fn on_event(VerifiedEvent(event): VerifiedEvent) -> &'static str {
//!     tracing::info!(event = %event.event, portal = %event.portal().member_id, "event");
//!     "ok"
//! }
//! # fn router(app: bitrix24_app::App) -> Router {
//! Router::new().route("/events", post(on_event)).with_state(app)
//! # }
//! ```

use axum::body::Bytes;
use axum::extract::{FromRef, FromRequest, Request};
use axum::http::{header::CONTENT_TYPE, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::form::BodyError;
use crate::{
    App, DecodeError, Event, InstallError, PlacementRequest, Portal, Rejection, RequestError,
    Verified,
};

/// An event that passed [`App::verify`].
#[derive(Debug)]
pub struct VerifiedEvent(pub Verified<Event>);

/// A portal just installed: from an `ONAPPINSTALL` event (a body with an
/// `event` field) or a local application's install callback (a body with
/// `AUTH_ID`), stored before the handler runs.
#[derive(Debug)]
pub struct Installed(pub Portal);

/// A placement (or main page) request, decoded. Not verified: the
/// `AUTH_ID` in it is a user's token, which the portal checks on the
/// first call made with it.
#[derive(Debug)]
pub struct PlacementFrame(pub PlacementRequest);

/// Why an extractor refused a request; answered with [`Self::status`]
/// and a short text naming the reason (no secret is in it).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RequestRejection {
    /// An event refused by verification or decoding.
    #[error(transparent)]
    Event(#[from] Rejection),
    /// An installation that failed.
    #[error(transparent)]
    Install(#[from] InstallError),
    /// A placement request that could not be read.
    #[error(transparent)]
    Placement(#[from] RequestError),
}

fn body_status(e: &BodyError) -> StatusCode {
    match e {
        BodyError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
        BodyError::ContentType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        _ => StatusCode::BAD_REQUEST,
    }
}

impl RequestRejection {
    /// The HTTP status it is answered with: 401 for an event not from the
    /// portal it names, 413 / 415 / 400 for a body refused, 500 for a
    /// store failure (so that Bitrix24 sends the event again).
    pub fn status(&self) -> StatusCode {
        match self {
            RequestRejection::Event(Rejection::Decode(DecodeError::Body(b)))
            | RequestRejection::Placement(RequestError::Body(b)) => body_status(b),
            RequestRejection::Event(Rejection::Decode(_)) => StatusCode::BAD_REQUEST,
            RequestRejection::Event(Rejection::Store(_))
            | RequestRejection::Install(InstallError::Store(_)) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
            RequestRejection::Event(_) => StatusCode::UNAUTHORIZED,
            RequestRejection::Install(InstallError::Rejected(_)) => StatusCode::UNAUTHORIZED,
            RequestRejection::Install(InstallError::Exchange(_)) => StatusCode::BAD_GATEWAY,
            RequestRejection::Install(InstallError::Request(RequestError::Body(b))) => {
                body_status(b)
            }
            RequestRejection::Install(_) | RequestRejection::Placement(_) => {
                StatusCode::BAD_REQUEST
            }
        }
    }
}

impl IntoResponse for RequestRejection {
    fn into_response(self) -> Response {
        let status = self.status();
        tracing::warn!(status = status.as_u16(), reason = %self, "request refused");
        // Store errors may name internals: the client gets the status only.
        let text = if status == StatusCode::INTERNAL_SERVER_ERROR {
            "internal error".to_owned()
        } else {
            self.to_string()
        };
        (status, text).into_response()
    }
}

/// The body within the app's limit, the content type and the query.
async fn read(
    app: &App,
    req: Request,
) -> Result<(Bytes, Option<String>, Option<String>), BodyError> {
    let limit = app.body_limits().max_body;
    let ct = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let query = req.uri().query().map(str::to_owned);
    let body = axum::body::to_bytes(req.into_body(), limit)
        .await
        .map_err(|_| BodyError::TooLarge {
            len: limit + 1,
            limit,
        })?;
    Ok((body, ct, query))
}

impl<S> FromRequest<S> for VerifiedEvent
where
    App: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = RequestRejection;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let app = App::from_ref(state);
        let (body, ct, _) = read(&app, req)
            .await
            .map_err(|e| Rejection::Decode(e.into()))?;
        Ok(VerifiedEvent(app.verify_body(&body, ct.as_deref()).await?))
    }
}

impl<S> FromRequest<S> for Installed
where
    App: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = RequestRejection;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let app = App::from_ref(state);
        let (body, ct, query) = read(&app, req).await.map_err(RequestError::from)?;
        let format =
            crate::form::Format::from_content_type(ct.as_deref()).map_err(RequestError::from)?;
        let mut map = match &query {
            Some(q) => crate::form::parse_form(q.as_bytes(), app.body_limits())
                .map_err(RequestError::from)?,
            None => Default::default(),
        };
        map.extend(
            crate::form::decode(&body, format, app.body_limits()).map_err(RequestError::from)?,
        );
        let portal = if map.contains_key("event") {
            let event = Event::from_map(map).map_err(Rejection::from)?;
            if event.event != "ONAPPINSTALL" {
                return Err(InstallError::Missing("event=ONAPPINSTALL").into());
            }
            app.on_app_install(&event).await?
        } else {
            let request = PlacementRequest::from_map(map)?;
            app.on_install_callback(&request).await?
        };
        Ok(Installed(portal))
    }
}

impl<S> FromRequest<S> for PlacementFrame
where
    App: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = RequestRejection;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let app = App::from_ref(state);
        let (body, ct, query) = read(&app, req).await.map_err(RequestError::from)?;
        Ok(PlacementFrame(PlacementRequest::decode(
            query.as_deref(),
            &body,
            ct.as_deref(),
            app.body_limits(),
        )?))
    }
}
