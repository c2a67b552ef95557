//! The AI Insights tab: computed on this device (works offline) from the
//! knowledge base and the ticket history: analysis statements with the
//! numbers behind them, related articles with the matching passage marked,
//! and similar resolved tickets with how they were resolved.

import { useEffect, useState } from 'react';
import type { InsightStatement, KbArticle, TicketInsights } from '../bindings';
import { getKbArticle, getTicketInsights, toIpcError } from '../ipc';
import { Markdown, Passage } from './Markdown';

const LEVEL_LABEL: Record<InsightStatement['level'], string> = {
  info: 'Info',
  warning: 'Warning',
  critical: 'Critical',
};

function minutes(n: number | bigint | null): string {
  if (n === null) return '';
  const m = Number(n);
  if (m >= 1440) return `${Math.floor(m / 1440)} d ${Math.floor((m % 1440) / 60)} h`;
  if (m >= 60) return `${Math.floor(m / 60)} h ${m % 60} min`;
  return `${m} min`;
}

export function InsightsTab({ ticketId, version }: { ticketId: string; version?: number }) {
  const [insights, setInsights] = useState<TicketInsights | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [open, setOpen] = useState<KbArticle | null>(null);

  useEffect(() => {
    let live = true;
    getTicketInsights(ticketId)
      .then((i) => {
        if (live) {
          setInsights(i);
          setError(null);
        }
      })
      .catch((e) => live && setError(toIpcError(e).message));
    return () => {
      live = false;
    };
  }, [ticketId, version]);

  if (error)
    return (
      <div className="panel-error" role="alert">
        {error}
      </div>
    );
  if (!insights) return <div className="panel-loading">Computing insights…</div>;
  return (
    <div className="insights">
      <p className="muted small">Computed on this device from your knowledge base and ticket history.</p>
      {insights.summary && (
        <section className="insights-section" aria-labelledby="ins-summary">
          <h3 id="ins-summary">
            Summary <span className="tag generated">Generated</span>
          </h3>
          <p>{insights.summary.summary}</p>
          <h4>Draft resolution</h4>
          <p>{insights.summary.draftResolution}</p>
          <p className="muted small">
            By {insights.summary.model}, {new Date(insights.summary.generatedAt).toLocaleString()}
          </p>
        </section>
      )}
      <section className="insights-section" aria-labelledby="ins-analysis">
        <h3 id="ins-analysis">Analysis</h3>
        <ul className="insight-list">
          {insights.analysis.map((s) => (
            <li key={s.kind} className={`insight level-${s.level}`}>
              <span className={`insight-level level-${s.level}`}>{LEVEL_LABEL[s.level]}</span>
              <span className="insight-text">{s.text}</span>
              <dl className="insight-basis">
                {s.basis.map((b) => (
                  <div key={b.label}>
                    <dt>{b.label}</dt>
                    <dd>{b.value}</dd>
                  </div>
                ))}
              </dl>
            </li>
          ))}
        </ul>
      </section>
      <section className="insights-section" aria-labelledby="ins-approaches">
        <h3 id="ins-approaches">Suggested resolution approaches</h3>
        {insights.similarTickets.length === 0 ? (
          <p className="muted">No similar resolved ticket yet.</p>
        ) : (
          <ul className="similar-list">
            {insights.similarTickets.map((t) => (
              <li key={t.id} className="similar">
                <div className="similar-head">
                  <span className="card-number">
                    {t.number !== null ? `TKT-${String(t.number).padStart(3, '0')}` : 'New'}
                  </span>
                  <strong>{t.title}</strong>
                </div>
                <p className="similar-resolution">
                  {t.resolution ?? <span className="muted">Resolved without a note.</span>}
                </p>
                {t.handlingMinutes !== null && (
                  <p className="muted small">Resolved in {minutes(t.handlingMinutes)}</p>
                )}
              </li>
            ))}
          </ul>
        )}
      </section>
      <section className="insights-section" aria-labelledby="ins-articles">
        <h3 id="ins-articles">Related articles</h3>
        {insights.relatedArticles.length === 0 ? (
          <p className="muted">No knowledge-base article matches this ticket.</p>
        ) : (
          <ul className="related-list">
            {insights.relatedArticles.map((a) => (
              <li key={a.id} className="related">
                <button
                  type="button"
                  className="link-button related-title"
                  onClick={() => getKbArticle(a.id).then(setOpen, (e) => setError(toIpcError(e).message))}
                >
                  {a.title}
                </button>
                <p className="related-passage">
                  <Passage parts={a.passage} />
                </p>
              </li>
            ))}
          </ul>
        )}
        {open && (
          <article className="related-article" aria-label={open.title}>
            <div className="kb-article-head">
              <h4>{open.title}</h4>
              <button type="button" className="button" onClick={() => setOpen(null)}>
                Close article
              </button>
            </div>
            <Markdown source={open.body} onError={setError} />
          </article>
        )}
      </section>
    </div>
  );
}
