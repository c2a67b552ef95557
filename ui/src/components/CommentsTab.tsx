//! Comments tab: the team's internal notes (relative time, exact time on
//! hover) and a composer whose `@` opens an autocomplete of agents
//! (combobox + listbox pattern). Mentions are highlighted, still as text.

import { useCallback, useEffect, useId, useMemo, useState, type KeyboardEvent } from 'react';
import type { Agent, Comment } from '../bindings';
import { addComment, listComments, toIpcError } from '../ipc';
import { formatExact, relativeTime } from '../lib/format';
import { agentName, useSession } from '../lib/session';
import { Avatar } from './Badges';

/** The `@word` being typed just before the caret, if any. */
export function mentionAt(text: string, caret: number): { start: number; query: string } | null {
  const m = /(^|\s)@([^\s@]*)$/.exec(text.slice(0, caret));
  if (!m) return null;
  return { start: caret - m[2].length - 1, query: m[2] };
}

function suggestions(agents: Agent[], query: string): Agent[] {
  const q = query.toLowerCase();
  return agents.filter((a) => a.name.toLowerCase().split(/\s+/).some((w) => w.startsWith(q))).slice(0, 6);
}

/** The body with `@Agent Name` runs wrapped in spans (text only, no HTML). */
function Body({ text, agents }: { text: string; agents: Agent[] }) {
  const parts = useMemo(() => {
    const names = agents.map((a) => a.name).sort((a, b) => b.length - a.length);
    if (names.length === 0) return [text];
    const esc = names.map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    return text.split(new RegExp(`(@(?:${esc.join('|')}))`, 'g'));
  }, [text, agents]);
  return (
    <p className="comment-body">
      {parts.map((p, i) =>
        i % 2 === 1 ? (
          <span key={i} className="mention">
            {p}
          </span>
        ) : (
          p
        ),
      )}
    </p>
  );
}

export function CommentsTab({ ticketId, now }: { ticketId: string; now: number }) {
  const session = useSession();
  const [comments, setComments] = useState<Comment[] | null>(null);
  const [draft, setDraft] = useState('');
  const [caret, setCaret] = useState(0);
  const [active, setActive] = useState(0);
  const [dismissed, setDismissed] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [sending, setSending] = useState(false);
  const listId = useId();

  const load = useCallback(async () => {
    try {
      setComments(await listComments(ticketId));
    } catch (e) {
      setError(toIpcError(e).message);
    }
  }, [ticketId]);
  useEffect(() => {
    void load();
  }, [load]);

  const mention = dismissed ? null : mentionAt(draft, caret);
  const options = mention ? suggestions(session.agents, mention.query) : [];
  const open = options.length > 0;
  const activeIdx = Math.min(active, Math.max(0, options.length - 1));

  const pick = (a: Agent, el: HTMLTextAreaElement | null) => {
    if (!mention) return;
    const before = draft.slice(0, mention.start);
    const after = draft.slice(caret);
    const inserted = `@${a.name} `;
    const next = before + inserted + after;
    const pos = before.length + inserted.length;
    setDraft(next);
    setCaret(pos);
    setActive(0);
    requestAnimationFrame(() => {
      el?.focus();
      el?.setSelectionRange(pos, pos);
    });
  };

  const submit = async () => {
    const body = draft.trim();
    if (!body || sending) return;
    setSending(true);
    try {
      const c = await addComment(ticketId, body);
      setComments((cs) => [...(cs ?? []), c]);
      setDraft('');
      setCaret(0);
      setError(null);
    } catch (e) {
      setError(toIpcError(e).message);
    } finally {
      setSending(false);
    }
  };

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (open) {
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        e.preventDefault();
        const d = e.key === 'ArrowDown' ? 1 : -1;
        setActive((activeIdx + d + options.length) % options.length);
        return;
      }
      if (e.key === 'Enter' || e.key === 'Tab') {
        e.preventDefault();
        pick(options[activeIdx], e.currentTarget);
        return;
      }
      if (e.key === 'Escape') {
        e.preventDefault();
        e.stopPropagation();
        setDismissed(true);
        return;
      }
    }
    if (e.key === 'Enter' && (e.metaKey || e.ctrlKey)) {
      e.preventDefault();
      void submit();
    }
  };

  return (
    <div className="comments">
      {comments === null ? (
        <div className="panel-loading">Loading…</div>
      ) : comments.length === 0 ? (
        <p className="muted empty-inline">No comments yet. Comments are visible only to your team.</p>
      ) : (
        <ol className="comment-list" aria-label="Comments">
          {comments.map((c) => {
            const name = agentName(session, c.authorId) ?? 'Unknown agent';
            return (
              <li key={c.id} className="comment">
                <Avatar id={c.authorId} name={name} size={28} />
                <div className="comment-main">
                  <div className="comment-head">
                    <strong>{name}</strong>
                    <time dateTime={c.createdAt} title={formatExact(c.createdAt)} className="muted">
                      {relativeTime(c.createdAt, now)}
                    </time>
                  </div>
                  <Body text={c.body} agents={session.agents} />
                </div>
              </li>
            );
          })}
        </ol>
      )}
      <form
        className="composer"
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <label htmlFor="comment-body" className="visually-hidden">
          Add an internal comment
        </label>
        <div className="composer-box">
          <textarea
            id="comment-body"
            role="combobox"
            aria-autocomplete="list"
            aria-expanded={open}
            aria-controls={listId}
            aria-activedescendant={open ? `${listId}-${activeIdx}` : undefined}
            placeholder="Add an internal comment… Type @ to mention a teammate"
            rows={3}
            value={draft}
            onChange={(e) => {
              setDraft(e.target.value);
              setCaret(e.target.selectionStart);
              setDismissed(false);
              setActive(0);
            }}
            onSelect={(e) => setCaret(e.currentTarget.selectionStart)}
            onKeyDown={onKeyDown}
          />
          <ul id={listId} role="listbox" aria-label="Mention a teammate" className="mentions" hidden={!open}>
            {options.map((a, i) => (
              <li
                key={a.id}
                id={`${listId}-${i}`}
                role="option"
                aria-selected={i === activeIdx}
                className={i === activeIdx ? 'is-active' : ''}
                onMouseDown={(e) => {
                  e.preventDefault();
                  pick(a, document.getElementById('comment-body') as HTMLTextAreaElement | null);
                }}
              >
                <Avatar id={a.id} name={a.name} size={20} />
                {a.name}
                <span className="muted small">{a.email}</span>
              </li>
            ))}
          </ul>
        </div>
        {error && (
          <div className="form-error" role="alert">
            {error}
          </div>
        )}
        <div className="composer-foot">
          <span className="muted small">Visible only to your team · Ctrl+Enter to send</span>
          <button type="submit" className="button primary" disabled={!draft.trim() || sending}>
            Comment
          </button>
        </div>
      </form>
    </div>
  );
}
