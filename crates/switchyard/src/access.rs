//! `serve`'s settings of who may call and from where: the access keys requests must be
//! signed with (SigV4), and the `Host` names answered besides loopback and the bind address.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use clap::Args;
use protocol::sigv4::{Key, Keys};

#[derive(Args, Clone, Debug)]
pub(crate) struct AccessArgs {
    /// A JSON file of access keys, `[{"accessKeyId": "...", "secretAccessKey": "...",
    /// "account": "123456789012"}]`: every request must then carry a valid SigV4 signature
    /// by one of them (`account` is optional and must be the server's --account).
    #[arg(long, env = "SWITCHYARD_CREDENTIALS")]
    credentials: Option<PathBuf>,
    /// One access key id requests must be signed with (with --secret-access-key; together
    /// with --credentials if both are given).
    #[arg(long, env = "SWITCHYARD_ACCESS_KEY_ID", requires = "secret_access_key")]
    access_key_id: Option<String>,
    /// The secret of --access-key-id. Prefer the environment variable to the flag: a flag
    /// is visible to every user of the machine in the process list.
    #[arg(
        long,
        env = "SWITCHYARD_SECRET_ACCESS_KEY",
        requires = "access_key_id",
        hide_env_values = true
    )]
    secret_access_key: Option<String>,
    /// A `Host` name to answer besides loopback addresses, `localhost` and the --host
    /// address (repeat it, or separate names with commas; `*` answers any name, which lets
    /// any web page the user visits reach the server through DNS rebinding).
    #[arg(long = "allowed-host", env = "SWITCHYARD_ALLOWED_HOSTS", value_delimiter = ',')]
    allowed_hosts: Vec<String>,
}

impl AccessArgs {
    /// The configured keys, or `None` when requests are not authenticated.
    pub(crate) fn keys(&self, account: &str) -> Result<Option<Arc<Keys>>> {
        let mut keys: Vec<Key> = Vec::new();
        if let Some(path) = &self.credentials {
            let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
            keys.extend(Keys::parse(&text).with_context(|| format!("{}", path.display()))?);
        }
        if let (Some(id), Some(secret)) = (&self.access_key_id, &self.secret_access_key) {
            keys.push(Key {
                access_key_id: id.clone(),
                secret_access_key: secret.clone(),
                account: None,
            });
        }
        if keys.is_empty() {
            if self.credentials.is_some() {
                bail!("the --credentials file holds no access key");
            }
            return Ok(None);
        }
        for key in &keys {
            if let Some(other) = key.account.as_deref().filter(|a| *a != account) {
                bail!(
                    "access key {} belongs to account {other}, but this server serves account {account} (--account)",
                    key.access_key_id
                );
            }
        }
        Ok(Some(Arc::new(Keys::new(keys)?)))
    }

    pub(crate) fn allowed_hosts(&self) -> &[String] {
        &self.allowed_hosts
    }
}
