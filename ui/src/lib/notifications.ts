//! Notification settings as the UI edits them: the defaults (the same as the
//! Rust `NotificationPrefs::default()`) and the labels of Settings >
//! Notifications.

import type { NotificationPrefs } from '../ipc';

export const DEFAULT_NOTIFICATION_PREFS: NotificationPrefs = {
  myTickets: true,
  unassignedUrgentHigh: true,
  quietOutsideBusinessHours: true,
  mentions: true,
  assignments: true,
  keepInTray: false,
};

/** One checkbox of the settings page. */
export type PrefField = { key: keyof NotificationPrefs; label: string; hint: string };

export const ALERT_FIELDS: PrefField[] = [
  {
    key: 'myTickets',
    label: 'Tickets assigned to me',
    hint: 'When one of my tickets becomes at risk or overdue.',
  },
  {
    key: 'unassignedUrgentHigh',
    label: 'Unassigned Urgent and High tickets',
    hint: 'When an unassigned Urgent or High ticket becomes at risk or overdue.',
  },
  { key: 'mentions', label: '@mentions', hint: 'When someone mentions me in a comment.' },
  { key: 'assignments', label: 'Assignments', hint: 'When someone assigns a ticket to me.' },
];

export const QUIET_FIELD: PrefField = {
  key: 'quietOutsideBusinessHours',
  label: 'Quiet outside business hours',
  hint: 'Outside the workspace business calendar, only Urgent tickets notify.',
};

export const TRAY_FIELD: PrefField = {
  key: 'keepInTray',
  label: 'Keep Outpost in the tray when I close the window',
  hint: 'Alerts keep coming while the window is closed; quit from the tray menu.',
};
