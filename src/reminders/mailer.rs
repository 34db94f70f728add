//! Sending one email: over SMTP with one pooled transport for the process, or, without SMTP
//! configuration, into a folder of the data directory (one `.eml` file per message, named
//! after its Message-ID, so a message written twice is one file).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::transport::smtp::PoolConfig;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use tokio::sync::OnceCell;

use crate::config::{Config, SmtpConfig, SmtpTls};

/// One email ready to go.
#[derive(Debug, Clone)]
pub struct Email {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// With its angle brackets: `<…@…>`.
    pub message_id: String,
}

/// Why a message did not go.
#[derive(Debug, Clone)]
pub struct SendError {
    pub message: String,
    /// The server refused it for good (5xx), or the message itself is unusable.
    pub permanent: bool,
    /// The server could not be reached at all (not a reply to this message): the rest of
    /// the run's messages would fail the same way.
    pub unreachable: bool,
}

impl std::fmt::Display for SendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

type Transport = AsyncSmtpTransport<Tokio1Executor>;

/// The pooled transport and the runtime it was created on. lettre's pool spawns a task when
/// it is dropped: dropping it inside that runtime's context keeps a mailer dropped anywhere
/// (after the runtime, in a destructor) from panicking.
pub struct PooledTransport {
    transport: Option<Transport>,
    handle: tokio::runtime::Handle,
}

impl Drop for PooledTransport {
    fn drop(&mut self) {
        let _inside = self.handle.enter();
        drop(self.transport.take());
    }
}

/// Where emails go. Cheap to clone: the SMTP variant shares one pooled transport, created on
/// first use inside the async runtime (lettre's pool runs a task on it).
#[derive(Clone)]
pub enum Mailer {
    Smtp {
        config: SmtpConfig,
        from: Mailbox,
        transport: Arc<OnceCell<PooledTransport>>,
    },
    Folder {
        dir: PathBuf,
        from: Mailbox,
    },
}

impl Mailer {
    /// The mailer of a configuration: SMTP when a host is set, else `data_dir/outbox`.
    pub fn from_config(config: &Config) -> anyhow::Result<Mailer> {
        let from: Mailbox = config
            .mail_from
            .parse()
            .map_err(|e| anyhow::anyhow!("CLAUSIER_MAIL_FROM: {e}"))?;
        Ok(match &config.smtp {
            Some(smtp) => Mailer::Smtp {
                config: smtp.clone(),
                from,
                transport: Arc::new(OnceCell::new()),
            },
            None => Mailer::Folder {
                dir: config.data_dir.join("outbox"),
                from,
            },
        })
    }

    /// One line saying where emails go, for start-up logs.
    pub fn describe(&self) -> String {
        match self {
            Mailer::Smtp { config, .. } => format!(
                "emails are sent through SMTP {}:{} ({})",
                config.host,
                config.port,
                match config.tls {
                    SmtpTls::None => "no TLS",
                    SmtpTls::StartTls => "STARTTLS",
                    SmtpTls::Tls => "TLS",
                }
            ),
            Mailer::Folder { dir, .. } => format!(
                "no SMTP server configured (CLAUSIER_SMTP_HOST): emails are written to {}",
                dir.display()
            ),
        }
    }

    fn from(&self) -> &Mailbox {
        match self {
            Mailer::Smtp { from, .. } | Mailer::Folder { from, .. } => from,
        }
    }

    /// The domain of the sender address, for Message-IDs.
    pub fn domain(&self) -> String {
        self.from().email.domain().to_string()
    }

    fn build(&self, email: &Email) -> Result<Message, SendError> {
        let bad = |m: String| SendError {
            message: m,
            permanent: true,
            unreachable: false,
        };
        let to: Mailbox = email
            .to
            .parse()
            .map_err(|e| bad(format!("bad recipient address {}: {e}", email.to)))?;
        Message::builder()
            .from(self.from().clone())
            .to(to)
            .subject(email.subject.clone())
            .message_id(Some(email.message_id.clone()))
            .multipart(
                MultiPart::alternative()
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_PLAIN)
                            .body(email.text.clone()),
                    )
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_HTML)
                            .body(email.html.clone()),
                    ),
            )
            .map_err(|e| bad(format!("cannot build the message: {e}")))
    }

    /// Sends one email.
    pub async fn send(&self, email: &Email) -> Result<(), SendError> {
        let message = self.build(email)?;
        match self {
            Mailer::Smtp {
                config, transport, ..
            } => {
                let pooled = transport
                    .get_or_try_init(|| async {
                        Ok::<_, SendError>(PooledTransport {
                            transport: Some(smtp_transport(config)?),
                            handle: tokio::runtime::Handle::current(),
                        })
                    })
                    .await?;
                let Some(t) = pooled.transport.as_ref() else {
                    return Err(SendError {
                        message: "SMTP transport closed".into(),
                        permanent: false,
                        unreachable: true,
                    });
                };
                t.send(message).await.map(|_| ()).map_err(|e| SendError {
                    message: format!("SMTP: {e}"),
                    permanent: e.is_permanent(),
                    unreachable: !(e.is_permanent() || e.is_transient()),
                })
            }
            Mailer::Folder { dir, .. } => {
                let path = folder_file(dir, &email.message_id);
                let write = || -> std::io::Result<()> {
                    std::fs::create_dir_all(dir)?;
                    let tmp = path.with_extension("tmp");
                    std::fs::write(&tmp, message.formatted())?;
                    std::fs::rename(&tmp, &path)
                };
                write().map_err(|e| SendError {
                    message: format!("cannot write {}: {e}", path.display()),
                    permanent: false,
                    unreachable: true,
                })
            }
        }
    }
}

fn smtp_transport(c: &SmtpConfig) -> Result<Transport, SendError> {
    let err = |e: lettre::transport::smtp::Error| SendError {
        message: format!("SMTP configuration: {e}"),
        permanent: false,
        unreachable: true,
    };
    let mut builder = match c.tls {
        SmtpTls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&c.host),
        SmtpTls::StartTls => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&c.host).tls(
            Tls::Required(TlsParameters::new(c.host.clone()).map_err(err)?),
        ),
        SmtpTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&c.host).tls(
            Tls::Wrapper(TlsParameters::new(c.host.clone()).map_err(err)?),
        ),
    }
    .port(c.port)
    .timeout(Some(Duration::from_secs(20)))
    .pool_config(
        PoolConfig::new()
            .max_size(4)
            .idle_timeout(Duration::from_secs(60)),
    );
    if let (Some(user), Some(password)) = (&c.username, &c.password) {
        builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
    }
    Ok(builder.build())
}

/// The file of a message written to the outbox folder (no SMTP server): named after its
/// Message-ID, reduced to characters every file system takes.
pub fn folder_file(dir: &std::path::Path, message_id: &str) -> std::path::PathBuf {
    let name: String = message_id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    dir.join(format!("{}.eml", name.trim_matches('_')))
}
