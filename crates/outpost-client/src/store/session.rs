//! Who is signed in on this device, the lists every view needs (the
//! *session*), the first-run local-only sign-in, and CSV export to a file.

use super::Store;
use crate::error::{StoreError, StoreResult};
use outpost_core::{Agent, AgentId, BulkSelection, Role, Session, ValidationError};
use std::path::Path;

/// The email of the agent local-only mode creates on a fresh install; its
/// queued work is handed to the first agent signing in to a server
/// (`Store::reattribute_local_work`).
pub(crate) const LOCAL_AGENT_EMAIL: &str = "local@outpost.invalid";

impl Store {
    /// The signed-in agent, the workspace, its agents and categories.
    pub fn session(&self) -> StoreResult<Session> {
        let me = self.current_agent().ok_or(StoreError::NotSignedIn)?;
        let agents = self.agents()?;
        let agent = agents
            .iter()
            .find(|a| a.id == me)
            .cloned()
            .ok_or_else(|| StoreError::UnknownAgent(me.to_string()))?;
        Ok(Session {
            agent,
            workspace: self.workspace()?,
            agents,
            categories: self.categories()?,
        })
    }

    /// Local-only mode: when nobody is signed in on this device, sign in as
    /// the first admin of the store, or create a "Local agent" admin when the
    /// store has no agents (a fresh install without a server).
    pub fn ensure_local_session(&mut self) -> StoreResult<Session> {
        if self.current_agent().is_none() {
            let agents = self.agents()?;
            let chosen = agents
                .iter()
                .find(|a| a.role == Role::Admin)
                .or(agents.first())
                .map(|a| a.id);
            let id = match chosen {
                Some(id) => id,
                None => {
                    let tz = self.workspace()?.timezone;
                    let agent = Agent {
                        id: AgentId(self.ids.next(self.clock.now())),
                        name: "Local agent".into(),
                        email: LOCAL_AGENT_EMAIL.into(),
                        role: Role::Admin,
                        timezone: tz,
                    };
                    self.upsert_agent(&agent)?;
                    agent.id
                }
            };
            self.set_current_agent(Some(id))?;
        }
        self.session()
    }

    /// Writes the selected tickets as CSV to `path` (which must end in `.csv`).
    /// The file appears complete or not at all: rows go to a temporary file in
    /// the same folder that is renamed over `path` at the end.
    pub fn export_csv_to_file(&self, selection: &BulkSelection, path: &Path) -> StoreResult<u64> {
        write_csv_file(path, |out| self.export_csv(selection, out))
    }
}

/// Writes a CSV file at `path` (absolute, ending in `.csv`, in an existing
/// folder) with `write`, atomically: rows go to a temporary file in the same
/// folder that is renamed over `path` at the end.
pub(crate) fn write_csv_file(
    path: &Path,
    write: impl FnOnce(std::io::BufWriter<&mut std::fs::File>) -> StoreResult<u64>,
) -> StoreResult<u64> {
    let is_csv = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
    if !path.is_absolute() || !is_csv {
        return Err(ValidationError::Invalid {
            field: "export path",
            reason: "choose an absolute path to a .csv file".into(),
        }
        .into());
    }
    let dir = path
        .parent()
        .filter(|d| d.is_dir())
        .ok_or_else(|| ValidationError::Invalid {
            field: "export path",
            reason: format!(
                "the folder {} does not exist",
                path.parent().unwrap_or(path).display()
            ),
        })?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    let n = write(std::io::BufWriter::new(tmp.as_file_mut()))?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| StoreError::Io(e.error))?;
    Ok(n)
}
