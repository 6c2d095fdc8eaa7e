import type { Connection, SocketStatus } from '../client';

/** The transport's health, for the banner. */
export class ConnectionState {
  status = $state.raw<SocketStatus>({ state: 'connecting', attempt: 0 });
  /** The first connection is allowed a moment before the banner appears. */
  patient = $state(true);

  constructor(connection: Connection) {
    connection.onStatus((status) => (this.status = status));
    setTimeout(() => (this.patient = false), 600);
  }

  /** The banner's text at time `now` (it counts down to the next try), or null when all is well. */
  bannerText(now: number): string | null {
    const status = this.status;
    switch (status.state) {
      case 'open':
        return null;
      case 'connecting':
        if (status.attempt === 0 && this.patient) return null;
        return 'Connecting to Glassbox…';
      case 'waiting': {
        const seconds = Math.max(1, Math.round((status.retryAt - now) / 1000));
        return `${status.reason} Trying again in ${seconds} s (attempt ${status.attempt}).`;
      }
      case 'unauthorized':
        return 'Glassbox refused this page’s access token. Open the address printed by “glassbox web” again (it includes a fresh token).';
    }
  }
}
