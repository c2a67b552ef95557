//! Where the sign-in token lives: the OS keychain (macOS Keychain, Windows
//! Credential Manager, the Secret Service on Linux) through `keyring`, keyed
//! by server URL + email. Where no keychain service runs (a Linux box without
//! a desktop session, CI), the token goes to `tokens.json` next to the store,
//! created with mode 0600 (owner read/write only) on Unix. Reads try the
//! keychain first, then the file; clearing removes both.

use crate::error::{StoreError, StoreResult};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const SERVICE: &str = "dev.outpost.Outpost";
const FILE: &str = "tokens.json";

/// Where a token was stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenBackend {
    Keychain,
    File,
}

/// Saves, loads and clears sign-in tokens.
#[derive(Debug, Clone)]
pub struct TokenStore {
    dir: PathBuf,
    use_keychain: bool,
}

impl TokenStore {
    /// Keychain first, falling back to a 0600 file in `dir` (the store's
    /// folder: `Store::path().parent()`).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        TokenStore {
            dir: dir.into(),
            use_keychain: true,
        }
    }

    /// File only (tests; or a user who opts out of the keychain).
    pub fn file_only(dir: impl Into<PathBuf>) -> Self {
        TokenStore {
            dir: dir.into(),
            use_keychain: false,
        }
    }

    fn key(server: &str, email: &str) -> String {
        format!(
            "{}|{}",
            server.trim_end_matches('/'),
            email.trim().to_lowercase()
        )
    }

    fn entry(&self, key: &str) -> Option<keyring::Entry> {
        if !self.use_keychain {
            return None;
        }
        keyring::Entry::new(SERVICE, key).ok()
    }

    /// Saves `token` for (`server`, `email`); says where it went.
    pub fn save_token(&self, server: &str, email: &str, token: &str) -> StoreResult<TokenBackend> {
        let key = Self::key(server, email);
        if let Some(e) = self.entry(&key) {
            match e.set_password(token) {
                Ok(()) => {
                    // A stale file copy must not shadow it later.
                    self.file_remove(&key)?;
                    return Ok(TokenBackend::Keychain);
                }
                Err(err) => tracing::info!("no keychain ({err}); keeping the token in a 0600 file"),
            }
        }
        let mut all = self.file_read()?;
        all.insert(key, token.to_owned());
        self.file_write(&all)?;
        Ok(TokenBackend::File)
    }

    /// The saved token for (`server`, `email`), if any.
    pub fn load_token(&self, server: &str, email: &str) -> StoreResult<Option<String>> {
        let key = Self::key(server, email);
        if let Some(e) = self.entry(&key)
            && let Ok(t) = e.get_password()
        {
            return Ok(Some(t));
        }
        Ok(self.file_read()?.remove(&key))
    }

    /// Forgets the token for (`server`, `email`) everywhere (sign-out).
    pub fn clear_token(&self, server: &str, email: &str) -> StoreResult<()> {
        let key = Self::key(server, email);
        if let Some(e) = self.entry(&key) {
            let _ = e.delete_credential();
        }
        self.file_remove(&key)
    }

    fn path(&self) -> PathBuf {
        self.dir.join(FILE)
    }

    fn file_read(&self) -> StoreResult<BTreeMap<String, String>> {
        match std::fs::read_to_string(self.path()) {
            Ok(s) => serde_json::from_str(&s)
                .map_err(|e| StoreError::Corrupt(format!("{}: {e}", self.path().display()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(BTreeMap::new()),
            Err(e) => Err(e.into()),
        }
    }

    fn file_remove(&self, key: &str) -> StoreResult<()> {
        let mut all = self.file_read()?;
        if all.remove(key).is_some() {
            self.file_write(&all)?;
        }
        Ok(())
    }

    /// Writes atomically (temp file + rename), 0600 from creation.
    fn file_write(&self, all: &BTreeMap<String, String>) -> StoreResult<()> {
        std::fs::create_dir_all(&self.dir)?;
        let text = serde_json::to_string_pretty(all)
            .map_err(|e| StoreError::Corrupt(format!("encode tokens: {e}")))?;
        let mut tmp = tempfile::NamedTempFile::new_in(&self.dir)?;
        restrict(tmp.path())?;
        std::io::Write::write_all(&mut tmp, text.as_bytes())?;
        tmp.as_file().sync_all()?;
        tmp.persist(self.path())
            .map_err(|e| StoreError::Io(e.error))?;
        Ok(())
    }
}

#[cfg(unix)]
fn restrict(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
}

#[cfg(not(unix))]
fn restrict(_path: &Path) -> std::io::Result<()> {
    // The per-user application data folder is private on Windows.
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_fallback_round_trips_with_owner_only_permissions() {
        let dir = tempfile::tempdir().unwrap();
        let ts = TokenStore::file_only(dir.path());
        assert_eq!(ts.load_token("http://s", "a@x").unwrap(), None);
        assert_eq!(
            ts.save_token("http://s/", "A@x", "t1").unwrap(),
            TokenBackend::File
        );
        ts.save_token("http://s", "b@x", "t2").unwrap();
        assert_eq!(
            ts.load_token("http://s", "a@x").unwrap().as_deref(),
            Some("t1")
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        ts.clear_token("http://s", "a@x").unwrap();
        assert_eq!(ts.load_token("http://s", "a@x").unwrap(), None);
        assert_eq!(
            ts.load_token("http://s", "b@x").unwrap().as_deref(),
            Some("t2")
        );
    }
}
