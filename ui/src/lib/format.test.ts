import { describe, expect, it } from 'vitest';
import { formatSpan, initials, relativeTime, slaCountdown } from './format';

const NOW = Date.parse('2026-11-25T12:00:00Z');
const at = (min: number) => new Date(NOW + min * 60_000).toISOString();

describe('format', () => {
  it('writes SLA countdowns the way agents read them', () => {
    expect(slaCountdown('on_track', at(130), NOW)).toBe('in 2 h 10 min');
    expect(slaCountdown('breached', at(-35), NOW)).toBe('overdue by 35 min');
    expect(slaCountdown('paused', at(100), NOW)).toBe('paused');
    expect(slaCountdown('on_track', at(3 * 24 * 60 + 4 * 60), NOW)).toBe('in 3 d 4 h');
    expect(slaCountdown('none', null, NOW)).toBeNull();
    expect(slaCountdown('met', null, NOW)).toBe('SLA met');
  });

  it('formats spans and relative times', () => {
    expect(formatSpan(60 * 60_000)).toBe('1 h');
    expect(relativeTime(at(-5), NOW)).toBe('5 min ago');
    expect(relativeTime(at(0), NOW)).toBe('just now');
    expect(relativeTime(at(-3 * 60), NOW)).toBe('3 h ago');
  });

  it('makes avatar initials', () => {
    expect(initials('Maya Chen')).toBe('MC');
    expect(initials('Cher')).toBe('C');
    expect(initials('  ')).toBe('?');
  });
});
