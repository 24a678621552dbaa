// Sends open descriptors over a unix socket (SCM_RIGHTS), which Node's sockets cannot do.
// perl (perl-base is Essential in Debian, as for tap.ts: no native module, no download)
// gets the socket as its fd 3 and the descriptors as fds 4 on, and sends each with one
// byte of data and its own sendmsg, as libvirt's virSocketSendFD does. perl shares Node's
// open socket, which is non-blocking: a full socket buffer is waited out, up to a timeout.
import type * as net from 'node:net';
import { spawn } from 'node:child_process';
import { TsvirtError } from '../../util/errors.js';

/** sendmsg's system call number; the structs below are those of every 64-bit Linux */
const SYS_SENDMSG: Partial<Record<string, number>> = { x64: 46, arm64: 211 };

// struct iovec {base, len}; struct cmsghdr {len (size_t), level, type} then one int:
// CMSG_LEN 20, CMSG_SPACE 24; struct msghdr {name, namelen+pad, iov, iovlen, control,
// controllen, flags+pad}. SOL_SOCKET and SCM_RIGHTS are 1; MSG_NOSIGNAL (0x4000): a client
// that went away is an error, not a SIGPIPE.
const PERL_SENDMSG = `
my ($nr, $n, $secs) = @ARGV;
my $byte = "\\0";
my $iov = pack("p Q", $byte, 1);
for my $i (0 .. $n - 1) {
  my $ctl = pack("Q i i i x4", 20, 1, 1, 4 + $i);
  my $msg = pack("Q L x4 p Q p Q i x4", 0, 0, $iov, 1, $ctl, 24, 0);
  my $end = time + $secs;
  until (syscall($nr, 3, $msg, 0x4000) == 1) {
    die "sendmsg: $!\\n" unless ($!{EAGAIN} || $!{EINTR}) && time < $end;
    my $w = ""; vec($w, 3, 1) = 1; select(undef, $w, undef, 0.2);
  }
}`;

/**
 * Sends `fds` (open sockets, which Node must not read from: create them paused) over `over`.
 * Node stops reading `over` while the child has it: the caller resumes it.
 */
export function sendFds(over: net.Socket, fds: net.Socket[], timeoutMs = 10_000): Promise<void> {
  const nr = SYS_SENDMSG[process.arch];
  if (nr === undefined) return Promise.reject(new TsvirtError('operation-unsupported', `passing file descriptors is not supported on ${process.arch}`));
  return new Promise((resolve, reject) => {
    const fail = (why: string) => reject(new TsvirtError('system-error', `cannot pass a file descriptor: ${why}`));
    let child;
    try {
      child = spawn('perl', ['-e', PERL_SENDMSG, String(nr), String(fds.length), String(Math.ceil(timeoutMs / 1000))], {
        stdio: ['ignore', 'ignore', 'pipe', over, ...fds],
      });
    } catch (e) {
      return fail((e as Error).message); // e.g. a socket that is already closed
    }
    let err = '';
    child.stderr!.on('data', (b: Buffer) => { err += b.toString(); });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs + 2000);
    child.on('error', (e) => {
      clearTimeout(timer);
      fail(`cannot run perl: ${e.message}`);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else fail(err.trim() || (signal ? `perl killed by ${signal}` : `perl exit ${code}`));
    });
  });
}
