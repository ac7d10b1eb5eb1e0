//! Where and as whom to connect: the flags, the `GLORYCARD_*` environment and
//! `glorycard.toml`.

use std::path::{Path, PathBuf};

use clap::Args;
use glorycard_client::{Client, ClientBuilder, blocking};

use super::input::KeyArgs;
use super::output::{Failure, client_failure, fail, say};

/// Where and as whom to connect. Each setting comes from its flag, else its `GLORYCARD_*`
/// environment variable, else `glorycard.toml` (in the current directory, or `--config`).
#[derive(Debug, Args)]
pub(crate) struct ConnectionArgs {
    /// The platform's base URL (the document's paths are appended).
    #[arg(long, env = "GLORYCARD_BASE_URL", hide_env_values = true)]
    base_url: Option<String>,
    /// The account id the platform issued.
    #[arg(long, env = "GLORYCARD_SID")]
    sid: Option<String>,
    /// The institution's orgCode.
    #[arg(long, env = "GLORYCARD_ORG_CODE")]
    org_code: Option<String>,
    #[command(flatten)]
    key: KeyArgs,
    /// A PEM certificate to trust in addition to the system's roots (the sandbox's CA, a
    /// hospital CA).
    #[arg(long, value_name = "PEM", env = "GLORYCARD_CA_CERT")]
    ca_cert: Option<PathBuf>,
    /// Allow plain http:// for a loopback base URL (local testing only).
    #[arg(long, conflicts_with = "require_https")]
    allow_http: bool,
    /// Refuse plain http:// even if the settings file allows it.
    #[arg(long)]
    require_https: bool,
    /// Accept responses without signature headers (the document requires signed ones).
    #[arg(long, conflicts_with = "verify_responses")]
    accept_unsigned_responses: bool,
    /// Require signed responses even if the settings file accepts unsigned ones.
    #[arg(long)]
    verify_responses: bool,
    /// Settings file (default: ./glorycard.toml when it exists).
    #[arg(long, value_name = "PATH", env = "GLORYCARD_CONFIG")]
    config: Option<PathBuf>,
}

/// `glorycard.toml`: the same settings as the flags. The key itself is not accepted here,
/// only `key_file`, so that the settings file can be shared without the secret.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    /// The file these settings came from (none when there is no file).
    #[serde(skip)]
    source: Option<PathBuf>,
    /// True when the file was found in the current directory rather than named by
    /// `--config` or `GLORYCARD_CONFIG`.
    #[serde(skip)]
    implicit: bool,
    base_url: Option<String>,
    sid: Option<String>,
    org_code: Option<String>,
    key_file: Option<PathBuf>,
    ca_cert: Option<PathBuf>,
    #[serde(default)]
    allow_http: bool,
    #[serde(default)]
    accept_unsigned_responses: bool,
}

fn load_settings(explicit: Option<&Path>) -> Result<FileSettings, Failure> {
    let path = match explicit {
        Some(path) => path.to_path_buf(),
        None => {
            let default = PathBuf::from("glorycard.toml");
            if !default.exists() {
                return Ok(FileSettings::default());
            }
            refuse_untrusted(&default)?;
            default
        }
    };
    let text = std::fs::read_to_string(&path)
        .map_err(|e| fail(format!("config: cannot read {}: {e}", path.display())))?;
    let mut settings: FileSettings = toml::from_str(&text).map_err(|e| {
        let reason = e.message().to_owned();
        fail(format!("config: {}: {reason}", path.display()))
    })?;
    // Paths in the file are relative to the file, not to the current directory.
    let base = path.parent().unwrap_or(Path::new("."));
    for file in [&mut settings.key_file, &mut settings.ca_cert]
        .into_iter()
        .flatten()
    {
        if file.is_relative() {
            *file = base.join(&*file);
        }
    }
    settings.source = Some(path);
    settings.implicit = explicit.is_none();
    Ok(settings)
}

/// A `glorycard.toml` found in the current directory is read only if it is the user's
/// own and neither it nor the directory can be written by anyone else: a file planted
/// there could otherwise send signed calls (ID numbers, names, a valid sign) to another
/// server trusted through another CA, without the user naming any file.
#[cfg(unix)]
fn refuse_untrusted(path: &Path) -> Result<(), Failure> {
    use std::os::unix::fs::MetadataExt as _;
    let inspect = |path: &Path, metadata: std::io::Result<std::fs::Metadata>| {
        metadata.map_err(|e| fail(format!("config: cannot inspect {}: {e}", path.display())))
    };
    // The link itself and the file it leads to: both must be the user's.
    let link = inspect(path, std::fs::symlink_metadata(path))?;
    let file = inspect(path, std::fs::metadata(path))?;
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let folder_metadata = inspect(folder, std::fs::metadata(folder))?;
    let user = rustix::process::geteuid().as_raw();
    let owner = if link.uid() != user {
        link.uid()
    } else {
        file.uid()
    };
    match untrusted_because(owner, file.mode(), folder_metadata.mode(), user) {
        None => Ok(()),
        Some(reason) => Err(fail(format!(
            "config: not reading ./glorycard.toml found in the current directory: {reason}; \
             a settings file that is not yours could send your signed calls elsewhere. \
             Pass --config PATH to use a settings file you trust"
        ))),
    }
}

#[cfg(not(unix))]
fn refuse_untrusted(_: &Path) -> Result<(), Failure> {
    Ok(())
}

/// Why a settings file found implicitly is not trusted, if it is not: it is owned by
/// another user than `user`, or group or others may write it or its directory.
#[cfg_attr(not(unix), allow(dead_code))]
fn untrusted_because(owner: u32, mode: u32, folder_mode: u32, user: u32) -> Option<String> {
    if owner != user {
        Some(format!(
            "it is owned by uid {owner}, not by you (uid {user})"
        ))
    } else if mode & 0o022 != 0 {
        Some(format!(
            "group or others may write it (mode {:04o})",
            mode & 0o7777
        ))
    } else if folder_mode & 0o022 != 0 {
        Some(format!(
            "group or others may write the current directory (mode {:04o})",
            folder_mode & 0o7777
        ))
    } else {
        None
    }
}

/// A setting that weakens a check, switched on by the settings file alone: said on stderr,
/// because a `glorycard.toml` found in the current directory may not be the user's own.
fn warn_weakened(source: Option<&Path>, setting: &str, effect: &str, flag: &str) {
    let source = source.unwrap_or(Path::new("glorycard.toml"));
    say(format_args!(
        "glorycard: warning: {} sets {setting} = true: {effect} (pass {flag} to refuse)",
        source.display()
    ));
}

impl ConnectionArgs {
    /// Says on stderr which settings an implicit `glorycard.toml` supplied (names only:
    /// a URL or a path could be the user's business), so that none is used silently.
    fn name_implicit_settings(&self, file: &FileSettings) {
        let key_from_file = self.key.key.is_none()
            && self.key.key_file.is_none()
            && std::env::var_os("GLORYCARD_KEY").is_none();
        let used = [
            (
                "base_url",
                self.base_url.is_none() && file.base_url.is_some(),
            ),
            ("sid", self.sid.is_none() && file.sid.is_some()),
            (
                "org_code",
                self.org_code.is_none() && file.org_code.is_some(),
            ),
            ("key_file", key_from_file && file.key_file.is_some()),
            ("ca_cert", self.ca_cert.is_none() && file.ca_cert.is_some()),
            (
                "allow_http",
                file.allow_http && !self.allow_http && !self.require_https,
            ),
            (
                "accept_unsigned_responses",
                file.accept_unsigned_responses
                    && !self.accept_unsigned_responses
                    && !self.verify_responses,
            ),
        ];
        let names: Vec<&str> = used
            .iter()
            .filter(|(_, from_file)| *from_file)
            .map(|(name, _)| *name)
            .collect();
        if !names.is_empty() {
            say(format_args!(
                "glorycard: using {} from ./glorycard.toml in the current directory (no --config)",
                names.join(", ")
            ));
        }
    }

    pub(crate) fn client(&self) -> Result<blocking::Client, Failure> {
        blocking::Client::from_builder(self.builder()?).map_err(client_failure)
    }

    /// The client's settings, for commands that run their own runtime (build the client
    /// inside it).
    pub(crate) fn builder(&self) -> Result<ClientBuilder, Failure> {
        let file = load_settings(self.config.as_deref())?;
        if file.implicit {
            self.name_implicit_settings(&file);
        }
        let base_url = self.base_url.clone().or(file.base_url).ok_or_else(|| {
            fail("config: no base URL: pass --base-url or set GLORYCARD_BASE_URL")
        })?;
        let sid = self
            .sid
            .clone()
            .or(file.sid)
            .ok_or_else(|| fail("config: no sid: pass --sid or set GLORYCARD_SID"))?;
        let org_code = self.org_code.clone().or(file.org_code).ok_or_else(|| {
            fail("config: no org code: pass --org-code or set GLORYCARD_ORG_CODE")
        })?;
        let key = match (&self.key.key, &self.key.key_file, &file.key_file) {
            (None, None, Some(path)) if std::env::var_os("GLORYCARD_KEY").is_none() => KeyArgs {
                key: None,
                key_file: Some(path.clone()),
            }
            .load()?,
            _ => self.key.load()?,
        };
        // The flags that restore a check win over the file; a file that weakens one is
        // named on stderr.
        let allow_http = !self.require_https && (self.allow_http || file.allow_http);
        if allow_http && !self.allow_http {
            warn_weakened(
                file.source.as_deref(),
                "allow_http",
                "plain http:// is allowed for a loopback base URL",
                "--require-https",
            );
        }
        let accept_unsigned = !self.verify_responses
            && (self.accept_unsigned_responses || file.accept_unsigned_responses);
        if accept_unsigned && !self.accept_unsigned_responses {
            warn_weakened(
                file.source.as_deref(),
                "accept_unsigned_responses",
                "answers without a signature are trusted",
                "--verify-responses",
            );
        }
        let mut builder = Client::builder(base_url)
            .sid(sid)
            .key(key)
            .org_code(org_code)
            .allow_http_for_loopback(allow_http)
            .accept_unsigned_responses(accept_unsigned);
        if let Some(path) = self.ca_cert.as_ref().or(file.ca_cert.as_ref()) {
            let pem = std::fs::read(path)
                .map_err(|e| fail(format!("config: cannot read {}: {e}", path.display())))?;
            builder = builder.add_root_certificate_pem(pem);
        }
        Ok(builder)
    }
}

#[cfg(test)]
mod tests {
    use super::untrusted_because;

    #[test]
    fn an_implicit_file_must_be_the_users_own_and_written_by_nobody_else() {
        assert_eq!(untrusted_because(1000, 0o644, 0o755, 1000), None);
        assert_eq!(untrusted_because(0, 0o600, 0o700, 0), None);
        let other = untrusted_because(65534, 0o644, 0o755, 1000).unwrap();
        assert!(
            other.contains("uid 65534") && other.contains("uid 1000"),
            "{other}"
        );
        // root's own files only, too: root may read anyone's, which is the danger.
        assert!(untrusted_because(1000, 0o600, 0o700, 0).is_some());
        for mode in [0o664, 0o646, 0o666, 0o100_620] {
            let reason = untrusted_because(1000, mode, 0o755, 1000).unwrap();
            assert!(reason.contains("may write it"), "{reason}");
        }
        for folder in [0o775, 0o757, 0o1777, 0o40_770] {
            let reason = untrusted_because(1000, 0o644, folder, 1000).unwrap();
            assert!(reason.contains("current directory"), "{reason}");
        }
    }
}
