//! Article bodies: Markdown rendered by react-markdown with raw HTML skipped
//! (tags in the source stay out of the page), images dropped (the app loads
//! nothing remote), and links turned into buttons that ask the shell to open
//! http(s) addresses in the system browser. Any other link is plain text.

import ReactMarkdown, { type Components } from 'react-markdown';
import { openExternalLink, toIpcError } from '../ipc';
import type { PassagePart } from '../bindings';

const isWebLink = (href: string | undefined): href is string => !!href && /^https?:\/\/[^\s]+$/i.test(href);

function makeComponents(onError: (message: string) => void): Components {
  return {
    a: ({ href, children }) =>
      isWebLink(href) ? (
        <a
          href={href}
          className="md-link"
          title={href}
          rel="noreferrer noopener"
          onClick={(e) => {
            e.preventDefault();
            openExternalLink(href).catch((err) => onError(toIpcError(err).message));
          }}
        >
          {children}
        </a>
      ) : (
        <span className="md-link-text">{children}</span>
      ),
  };
}

export function Markdown({ source, onError }: { source: string; onError: (message: string) => void }) {
  return (
    <div className="markdown">
      <ReactMarkdown skipHtml disallowedElements={['img']} unwrapDisallowed components={makeComponents(onError)}>
        {source}
      </ReactMarkdown>
    </div>
  );
}

/** A passage with its matching words marked (plain parts, never markup). */
export function Passage({ parts }: { parts: PassagePart[] }) {
  return (
    <span className="passage">
      {parts.map((p, i) => (p.hit ? <mark key={i}>{p.text}</mark> : <span key={i}>{p.text}</span>))}
    </span>
  );
}
