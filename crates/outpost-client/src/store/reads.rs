//! Reads outside the board: a ticket's detail, its history, the workspace's
//! agents and categories, and the workspace itself.

use super::Store;
use super::rows::{AGENT_COLUMNS, HISTORY_COLUMNS, agent, category, history_event};
use super::tickets::load_card;
use crate::clock::from_ms;
use crate::error::{StoreError, StoreResult};
use outpost_core::{
    Agent, Category, Channel, Conversation, ConversationId, ConversationStatus, HistoryEvent,
    PlanFeatures, TicketDetail, TicketId, TicketNumber, Workspace, WorkspaceId,
};
use rusqlite::OptionalExtension;

fn parse_code<T: serde::de::DeserializeOwned>(code: String) -> rusqlite::Result<T> {
    serde_json::from_value(serde_json::Value::String(code)).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, e.into())
    })
}

impl Store {
    /// A ticket with its names and linked conversation.
    pub fn ticket_detail(&self, id: TicketId) -> StoreResult<TicketDetail> {
        let card = load_card(self.conn(), id)?;
        let conversation = match card.ticket.conversation_id {
            Some(c) => self.conversation(c)?,
            None => None,
        };
        Ok(TicketDetail { card, conversation })
    }

    /// The id of the ticket with this number (deep links, `TKT-042`).
    pub fn ticket_id_by_number(&self, number: TicketNumber) -> StoreResult<TicketId> {
        self.conn()
            .prepare_cached("SELECT id FROM tickets WHERE number = ?1")?
            .query_row([number.0 as i64], |r| r.get(0).map(TicketId))
            .optional()?
            .ok_or_else(|| StoreError::not_found("ticket", number))
    }

    fn conversation(&self, id: ConversationId) -> StoreResult<Option<Conversation>> {
        Ok(self
            .conn()
            .prepare_cached(
                "SELECT id, channel, status, customer_name, customer_contact, subject, ticket_id,
                        created_at, last_message_at
                 FROM conversations WHERE id = ?1",
            )?
            .query_row([id.0], |r| {
                Ok(Conversation {
                    id: ConversationId(r.get(0)?),
                    channel: parse_code::<Channel>(r.get(1)?)?,
                    status: parse_code::<ConversationStatus>(r.get(2)?)?,
                    customer_name: r.get(3)?,
                    customer_contact: r.get(4)?,
                    subject: r.get(5)?,
                    ticket_id: r.get::<_, Option<uuid::Uuid>>(6)?.map(TicketId),
                    created_at: from_ms(r.get(7)?),
                    last_message_at: from_ms(r.get(8)?),
                })
            })
            .optional()?)
    }

    /// A ticket's audit trail, newest first.
    pub fn history(&self, ticket: TicketId) -> StoreResult<Vec<HistoryEvent>> {
        load_card(self.conn(), ticket)?;
        let sql = format!(
            "SELECT {HISTORY_COLUMNS} FROM history WHERE ticket_id = ?1
             ORDER BY at DESC, id DESC"
        );
        Ok(self
            .conn()
            .prepare_cached(&sql)?
            .query_map([ticket.0], history_event)?
            .collect::<Result<_, _>>()?)
    }

    /// Every agent of the workspace, by name.
    pub fn agents(&self) -> StoreResult<Vec<Agent>> {
        let sql = format!("SELECT {AGENT_COLUMNS} FROM agents ORDER BY name, id");
        Ok(self
            .conn()
            .prepare_cached(&sql)?
            .query_map([], agent)?
            .collect::<Result<_, _>>()?)
    }

    /// Every category, by name.
    pub fn categories(&self) -> StoreResult<Vec<Category>> {
        Ok(self
            .conn()
            .prepare_cached("SELECT id, name FROM categories ORDER BY name, id")?
            .query_map([], category)?
            .collect::<Result<_, _>>()?)
    }

    /// The workspace this store belongs to.
    pub fn workspace(&self) -> StoreResult<Workspace> {
        self.conn()
            .query_row(
                "SELECT id, name, timezone, plan_json FROM workspace LIMIT 1",
                [],
                |r| {
                    let plan: String = r.get(3)?;
                    Ok(Workspace {
                        id: WorkspaceId(r.get(0)?),
                        name: r.get(1)?,
                        timezone: r.get(2)?,
                        plan: serde_json::from_str::<PlanFeatures>(&plan).unwrap_or_default(),
                    })
                },
            )
            .optional()?
            .ok_or_else(|| StoreError::Corrupt("the workspace row is missing".into()))
    }

    /// Row counts of the main tables, for diagnostics and tests.
    pub fn table_counts(&self) -> StoreResult<TableCounts> {
        let count = |table: &str| -> StoreResult<u64> {
            let n: i64 =
                self.conn()
                    .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))?;
            Ok(n as u64)
        };
        Ok(TableCounts {
            tickets: count("tickets")?,
            comments: count("comments")?,
            history: count("history")?,
            outbox: count("outbox")?,
        })
    }
}

/// How many rows the main tables hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TableCounts {
    pub tickets: u64,
    pub comments: u64,
    pub history: u64,
    pub outbox: u64,
}
