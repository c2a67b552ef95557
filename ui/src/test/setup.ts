import '@testing-library/jest-dom/vitest';
import { cleanup } from '@testing-library/react';
import { afterEach } from 'vitest';

afterEach(() => {
  cleanup();
  localStorage.clear();
});

// jsdom does no layout: give the board's scroll container a size so the
// virtualizer renders the cards in view, as a real 1280×800 window would.
for (const [prop, size] of [
  ['clientHeight', 780],
  ['clientWidth', 1000],
] as const) {
  Object.defineProperty(HTMLElement.prototype, prop, {
    configurable: true,
    get(this: HTMLElement) {
      return this.classList.contains('list-scroll') ? size : 0;
    },
  });
}
