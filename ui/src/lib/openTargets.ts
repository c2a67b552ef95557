//! Subscribes to the shell's `open-target` events (notification clicks, the
//! tray menu) for as long as the component is mounted.

import { useEffect } from 'react';
import { onOpenTarget, type OpenTarget } from '../ipc';

export function useOpenTargets(handler: (t: OpenTarget) => void) {
  useEffect(() => {
    let stop: (() => void) | null = null;
    let live = true;
    onOpenTarget(handler)
      .then((un) => {
        if (live) stop = un;
        else un();
      })
      .catch(() => {});
    return () => {
      live = false;
      stop?.();
    };
  }, [handler]);
}
