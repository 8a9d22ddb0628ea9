import type { InstallFrame } from '../wire/frame.js';
import type { MemberId } from './view.js';
import { isMember } from './view.js';

/** Installs remembered for members that missed one while later view changes went on. */
const KEPT = 16;

/**
 * The latest install frames a member has seen, so that it can resend one to a member (or a
 * leaver) that keeps confirming a cut or asking to join because it missed the install.
 */
export class InstallArchive {
  private readonly installs: InstallFrame[] = [];

  remember(install: InstallFrame): void {
    this.installs.push(install);
    if (this.installs.length > KEPT) this.installs.shift();
  }

  latest(): InstallFrame | undefined {
    return this.installs.at(-1);
  }

  /** The install of `viewId`, if `member` took part in that change (in the view, or leaving it). */
  forParticipant(viewId: number, member: MemberId): InstallFrame | undefined {
    const install = this.installs.find((i) => i.view.id === viewId);
    if (install === undefined) return undefined;
    return isMember(install.view, member) || install.view.left.includes(member) ? install : undefined;
  }
}
