//! How messages leave: e-mail over SMTP (lettre) or as `.eml` files, and
//! WhatsApp through the Cloud API's HTTP endpoint. Each failure says whether
//! trying again later can help.

use secrecy::ExposeSecret;
use std::{path::PathBuf, time::Duration};

use lettre::{
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
    message::{Attachment, Mailbox, MultiPart, SinglePart, header::ContentType},
    transport::smtp::authentication::Credentials,
};
use serde_json::json;

use super::render::Rendered;
use crate::{
    config::{MailSettings, WhatsAppSettings},
    error::{AppError, AppResult},
};

/// Why a message was not sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendError {
    /// The server is down, busy or said "try later": retried after a wait.
    Transient(String),
    /// Rejected for good (no such mailbox, refused content): not retried.
    Permanent(String),
}

const SMTP_TIMEOUT: Duration = Duration::from_secs(15);

pub enum MailTransport {
    Smtp(Box<AsyncSmtpTransport<Tokio1Executor>>),
    /// One `<notification id>.eml` per mail: sending again rewrites the same
    /// file, so a mail is never there twice.
    Files(PathBuf),
}

impl MailTransport {
    pub fn from_settings(mail: &MailSettings) -> AppResult<MailTransport> {
        let url = mail.smtp_url.expose_secret().trim();
        if url.is_empty() {
            return Ok(MailTransport::Files(mail.dir.clone()));
        }
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| AppError::validation("invalid_smtp_url", format!("mail.smtp_url: {e}")))?
            .timeout(Some(SMTP_TIMEOUT));
        if !mail.username.is_empty() {
            builder = builder.credentials(Credentials::new(
                mail.username.clone(),
                mail.password.expose_secret().to_string(),
            ));
        }
        Ok(MailTransport::Smtp(Box::new(builder.build())))
    }

    /// What `/readyz` and the start-up banner say about mail.
    pub fn describe(&self) -> String {
        match self {
            MailTransport::Smtp(_) => "smtp".into(),
            MailTransport::Files(dir) => format!("files in {}", dir.display()),
        }
    }

    pub async fn send(&self, message: Message, notification_id: i64) -> Result<(), SendError> {
        match self {
            MailTransport::Smtp(smtp) => match smtp.send(message).await {
                Ok(_) => Ok(()),
                Err(error) if error.is_permanent() => Err(SendError::Permanent(format!(
                    "the mail server refused: {error}"
                ))),
                Err(error) => Err(SendError::Transient(format!("SMTP: {error}"))),
            },
            MailTransport::Files(dir) => {
                let formatted = message.formatted();
                let path = dir.join(format!("{notification_id}.eml"));
                let partial = dir.join(format!(".{notification_id}.eml.partial"));
                let write = async {
                    tokio::fs::create_dir_all(dir).await?;
                    tokio::fs::write(&partial, &formatted).await?;
                    tokio::fs::rename(&partial, &path).await
                };
                write
                    .await
                    .map_err(|e| SendError::Transient(format!("writing {}: {e}", path.display())))
            }
        }
    }
}

/// A multipart mail: plain text, and HTML with its inline images.
pub fn mail(
    from: &Mailbox,
    to: &str,
    message_id: String,
    rendered: &Rendered,
) -> Result<Message, SendError> {
    let to: Mailbox = to
        .parse()
        .map_err(|e| SendError::Permanent(format!("`{to}` is not an e-mail address: {e}")))?;
    let png = ContentType::parse("image/png")
        .map_err(|e| SendError::Permanent(format!("content type: {e}")))?;
    let mut related = MultiPart::related().singlepart(SinglePart::html(rendered.html.clone()));
    for image in &rendered.images {
        related = related.singlepart(
            Attachment::new_inline(image.content_id.clone()).body(image.png.clone(), png.clone()),
        );
    }
    Message::builder()
        .message_id(Some(message_id))
        .from(from.clone())
        .to(to)
        .subject(rendered.subject.clone())
        .multipart(
            MultiPart::alternative()
                .singlepart(SinglePart::plain(rendered.text.clone()))
                .multipart(related),
        )
        .map_err(|e| SendError::Permanent(format!("cannot build the mail: {e}")))
}

/// The WhatsApp Cloud API, when configured.
#[derive(Clone)]
pub struct WhatsApp {
    client: reqwest::Client,
    endpoint: String,
    token: String,
}

impl WhatsApp {
    pub fn from_settings(settings: &WhatsAppSettings) -> Option<WhatsApp> {
        let endpoint = settings.endpoint.trim();
        let token = settings.token.expose_secret().trim();
        if endpoint.is_empty() || token.is_empty() {
            return None;
        }
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(15))
            .build()
            .ok()?;
        Some(WhatsApp {
            client,
            endpoint: endpoint.to_string(),
            token: token.to_string(),
        })
    }

    /// Sends a text message in the Cloud API's shape.
    pub async fn send(&self, to: &str, text: &str) -> Result<(), SendError> {
        let to: String = to.chars().filter(char::is_ascii_digit).collect();
        if to.len() < 6 {
            return Err(SendError::Permanent("not a phone number".into()));
        }
        let body = json!({
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": to,
            "type": "text",
            "text": {"preview_url": false, "body": text},
        });
        let response = self
            .client
            .post(&self.endpoint)
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .map_err(|e| SendError::Transient(format!("WhatsApp: {e}")))?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let detail = response.text().await.unwrap_or_default();
        let error = format!(
            "WhatsApp answered {status}: {}",
            detail.chars().take(300).collect::<String>()
        );
        if status.is_server_error() || status.as_u16() == 429 || status.as_u16() == 408 {
            Err(SendError::Transient(error))
        } else {
            Err(SendError::Permanent(error))
        }
    }
}
