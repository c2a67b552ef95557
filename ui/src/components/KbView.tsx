//! The Knowledge base view: search articles (every word as a prefix, best
//! match first, the matching passage marked), read one rendered from
//! Markdown, and, for admins, create, edit and delete articles. Edits are
//! saved on this device at once and synced like every change.

import { useCallback, useEffect, useState } from 'react';
import type { KbArticle, KbHit } from '../bindings';
import { deleteKbArticle, getKbArticle, onTicketsChanged, saveKbArticle, searchKb, toIpcError } from '../ipc';
import { useSession } from '../lib/session';
import { ConfirmDialog } from './ConfirmDialog';
import { Markdown, Passage } from './Markdown';
import { BookIcon } from './Icons';

type Draft = { id: string | null; title: string; tags: string; body: string };

const MAX_BODY = 100_000;

export function KbView() {
  const session = useSession();
  const isAdmin = session.agent.role === 'admin';
  const [query, setQuery] = useState('');
  const [hits, setHits] = useState<KbHit[] | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const [article, setArticle] = useState<KbArticle | null>(null);
  const [draft, setDraft] = useState<Draft | null>(null);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [formError, setFormError] = useState<string | null>(null);
  const [version, setVersion] = useState(0);

  useEffect(() => {
    let live = true;
    const t = setTimeout(() => {
      searchKb(query, 50)
        .then((h) => {
          if (live) {
            setHits(h);
            setError(null);
          }
        })
        .catch((e) => live && setError(toIpcError(e).message));
    }, 120);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [query, version]);

  useEffect(() => {
    let off: (() => void) | undefined;
    void onTicketsChanged(() => setVersion((v) => v + 1)).then((u) => (off = u));
    return () => off?.();
  }, []);

  useEffect(() => {
    if (!selected) {
      setArticle(null);
      return;
    }
    let live = true;
    getKbArticle(selected)
      .then((a) => live && setArticle(a))
      .catch((e) => live && setError(toIpcError(e).message));
    return () => {
      live = false;
    };
  }, [selected, version]);

  const save = useCallback(async () => {
    if (!draft) return;
    if (!draft.title.trim()) {
      setFormError('Give the article a title.');
      return;
    }
    try {
      const saved = await saveKbArticle(draft.id, {
        title: draft.title,
        body: draft.body,
        tags: draft.tags.split(',').map((t) => t.trim()).filter(Boolean),
      });
      setDraft(null);
      setFormError(null);
      setSelected(saved.id);
      setArticle(saved);
      setVersion((v) => v + 1);
    } catch (e) {
      setFormError(toIpcError(e).message);
    }
  }, [draft]);

  const remove = useCallback(async () => {
    if (!article) return;
    setConfirmDelete(false);
    try {
      await deleteKbArticle(article.id);
      setSelected(null);
      setVersion((v) => v + 1);
    } catch (e) {
      setError(toIpcError(e).message);
    }
  }, [article]);

  return (
    <main className="kb" aria-labelledby="kb-title">
      <header className="kb-head">
        <h1 id="kb-title">Knowledge base</h1>
        <div className="search">
          <input
            type="search"
            aria-label="Search articles"
            placeholder="Search articles"
            maxLength={200}
            value={query}
            onChange={(e) => setQuery(e.target.value)}
          />
        </div>
        <span className="spacer" />
        {isAdmin && (
          <button
            type="button"
            className="button primary"
            onClick={() => {
              setDraft({ id: null, title: '', tags: '', body: '' });
              setFormError(null);
            }}
          >
            New article
          </button>
        )}
      </header>
      {error && (
        <div className="banner-error" role="alert">
          {error}
        </div>
      )}
      <div className="kb-body">
        <section className="kb-list" aria-label="Articles">
          {hits === null ? (
            <p className="muted kb-note">Loading…</p>
          ) : hits.length === 0 ? (
            <p className="muted kb-note">{query.trim() ? 'No article matches this search.' : 'No articles yet.'}</p>
          ) : (
            <ul>
              {hits.map((h) => (
                <li key={h.id}>
                  <button
                    type="button"
                    className={`kb-hit${h.id === selected ? ' is-current' : ''}`}
                    aria-current={h.id === selected ? 'true' : undefined}
                    onClick={() => {
                      setSelected(h.id);
                      setDraft(null);
                    }}
                  >
                    <strong className="kb-hit-title">{h.title}</strong>
                    <span className="kb-hit-passage">
                      <Passage parts={h.passage} />
                    </span>
                    {h.tags.length > 0 && (
                      <span className="kb-tags">
                        {h.tags.map((t) => (
                          <span key={t} className="tag">
                            {t}
                          </span>
                        ))}
                      </span>
                    )}
                  </button>
                </li>
              ))}
            </ul>
          )}
        </section>
        <section className="kb-article" aria-label="Article">
          {draft ? (
            <form
              className="kb-editor"
              aria-label={draft.id ? 'Edit article' : 'New article'}
              onSubmit={(e) => {
                e.preventDefault();
                void save();
              }}
            >
              <div className="field">
                <label htmlFor="kb-title-input">Title</label>
                <input
                  id="kb-title-input"
                  className="input"
                  maxLength={300}
                  value={draft.title}
                  onChange={(e) => setDraft({ ...draft, title: e.target.value })}
                />
              </div>
              <div className="field">
                <label htmlFor="kb-tags-input">Tags (comma separated)</label>
                <input
                  id="kb-tags-input"
                  className="input"
                  value={draft.tags}
                  onChange={(e) => setDraft({ ...draft, tags: e.target.value })}
                />
              </div>
              <div className="field grow">
                <label htmlFor="kb-body-input">Body (Markdown)</label>
                <textarea
                  id="kb-body-input"
                  className="input kb-body-input"
                  maxLength={MAX_BODY}
                  value={draft.body}
                  onChange={(e) => setDraft({ ...draft, body: e.target.value })}
                />
              </div>
              {formError && (
                <div className="form-error" role="alert">
                  {formError}
                </div>
              )}
              <div className="kb-actions">
                <button type="submit" className="button primary">
                  Save article
                </button>
                <button type="button" className="button" onClick={() => setDraft(null)}>
                  Cancel
                </button>
              </div>
            </form>
          ) : article ? (
            <article>
              <div className="kb-article-head">
                <h2>{article.title}</h2>
                {isAdmin && (
                  <div className="kb-actions">
                    <button
                      type="button"
                      className="button"
                      onClick={() =>
                        setDraft({ id: article.id, title: article.title, tags: article.tags.join(', '), body: article.body })
                      }
                    >
                      Edit
                    </button>
                    <button type="button" className="button" onClick={() => setConfirmDelete(true)}>
                      Delete
                    </button>
                  </div>
                )}
              </div>
              <p className="muted small">
                Updated {new Date(article.updatedAt).toLocaleString()}
                {article.updatedBy && ` by ${session.agents.find((a) => a.id === article.updatedBy)?.name ?? 'a former agent'}`}
              </p>
              <Markdown source={article.body} onError={setError} />
            </article>
          ) : (
            <div className="empty-inline kb-empty">
              <BookIcon />
              <p className="muted">Pick an article to read it.</p>
            </div>
          )}
        </section>
      </div>
      {confirmDelete && article && (
        <ConfirmDialog
          title="Delete this article?"
          body={`"${article.title}" will be removed for everyone once this device syncs.`}
          confirmLabel="Delete article"
          onConfirm={() => void remove()}
          onCancel={() => setConfirmDelete(false)}
        />
      )}
    </main>
  );
}
