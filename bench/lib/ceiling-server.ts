// The machine's ceilings, as a separate process like the broker:
//  - sink: a loopback socket whose reader appends what it receives to a file,
//    with one async fs.writev of all chunks queued while the previous write
//    was in flight (the broker's own append strategy);
//  - source: a file (in page cache) read back in 1 MiB async reads and written
//    to a loopback socket; each read goes into a buffer reused once the socket
//    write that carried it completed (as the broker's fetch path does).
//  - ack: the latency floor for a produce: size-prefixed request frames are
//    appended to a file like the sink does, and each is answered with an
//    8-byte frame once the writev that carried its last byte has completed.
// Sink and source connections start with a 4-byte file number; files live in
// argv[2]. Prints "ceiling-server <sinkPort> <sourcePort> <ackPort>".
// A sink connection is answered with one byte once the client half-closed and
// every received byte is written to the file.

import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

const dir = process.argv[2];
if (!dir) throw new Error('usage: ceiling-server <dir>');
const PAUSE_BYTES = 64 << 20;
const READ_BYTES = 1 << 20;
const QUEUE_BYTES = 4 << 20;

function firstFour(socket: net.Socket, then: (fileNo: number, rest: Buffer) => void): void {
  let head: Buffer = Buffer.alloc(0);
  const onData = (d: Buffer) => {
    head = head.length ? Buffer.concat([head, d]) : d;
    if (head.length < 4) return;
    socket.off('data', onData);
    then(head.readInt32BE(0), head.subarray(4));
  };
  socket.on('data', onData);
}

const sink = net.createServer({ allowHalfOpen: true }, (socket) => {
  socket.setNoDelay(true);
  firstFour(socket, (fileNo, rest) => {
    const fd = fs.openSync(path.join(dir, `f${fileNo}`), 'w');
    let queue: Buffer[] = [];
    let queued = 0;
    let position = 0;
    let writing = false;
    let ended = false;
    let paused = false;
    const finish = () => {
      fs.closeSync(fd);
      socket.end(Buffer.from('K'));
    };
    const kick = () => {
      if (writing) return;
      if (queue.length === 0) {
        if (ended) finish();
        return;
      }
      const bufs = queue;
      const n = queued;
      queue = [];
      queued = 0;
      writing = true;
      fs.writev(fd, bufs, position, (err, written) => {
        if (err) throw err;
        if (written !== n) throw new Error(`short writev: ${written} of ${n}`);
        position += written;
        writing = false;
        if (paused) {
          paused = false;
          socket.resume();
        }
        kick();
      });
    };
    const onChunk = (d: Buffer) => {
      queue.push(d);
      queued += d.length;
      if (queued >= PAUSE_BYTES && !paused) {
        paused = true;
        socket.pause();
      }
      kick();
    };
    if (rest.length) onChunk(rest);
    socket.on('data', onChunk);
    socket.on('end', () => {
      ended = true;
      kick();
    });
  });
  socket.on('error', () => {});
});

const source = net.createServer((socket) => {
  socket.setNoDelay(true);
  firstFour(socket, (fileNo) => {
    const fd = fs.openSync(path.join(dir, `f${fileNo}`), 'r');
    const size = fs.fstatSync(fd).size;
    let position = 0;
    let reading = false;
    let waiting = false;
    const free: Buffer[] = [];
    // One read in flight at a time, reading ahead while less than QUEUE_BYTES wait in the socket.
    const next = () => {
      if (reading) return;
      if (position >= size) {
        fs.closeSync(fd);
        socket.end();
        return;
      }
      if (socket.writableLength >= QUEUE_BYTES) {
        if (!waiting) {
          waiting = true;
          socket.once('drain', () => {
            waiting = false;
            next();
          });
        }
        return;
      }
      const len = Math.min(READ_BYTES, size - position);
      const buf = free.pop() ?? Buffer.allocUnsafe(READ_BYTES);
      reading = true;
      fs.read(fd, buf, 0, len, position, (err, n) => {
        reading = false;
        if (err) throw err;
        position += n;
        socket.write(n === buf.length ? buf : buf.subarray(0, n), () => free.push(buf));
        next();
      });
    };
    next();
  });
  socket.on('error', () => {});
});

let ackConnections = 0;
const ack = net.createServer((socket) => {
  socket.setNoDelay(true);
  const fd = fs.openSync(path.join(dir, `ack${ackConnections++}`), 'w');
  const answer = Buffer.from([0, 0, 0, 4, 0, 0, 0, 0]);
  let queue: Buffer[] = [];
  let position = 0;
  let received = 0;
  let writing = false;
  // Frame parsing: bytes of the current frame still expected, and the size prefix being read.
  let remaining = 0;
  const head = Buffer.alloc(4);
  let headHave = 0;
  const frameEnds: number[] = [];
  let endsHead = 0;
  const kick = () => {
    if (writing || queue.length === 0) return;
    const bufs = queue;
    queue = [];
    writing = true;
    fs.writev(fd, bufs, position, (err, written) => {
      if (err) throw err;
      position += written;
      writing = false;
      let n = 0;
      while (endsHead < frameEnds.length && frameEnds[endsHead]! <= position) {
        endsHead++;
        n++;
      }
      if (n > 0) {
        socket.cork();
        for (let i = 0; i < n; i++) socket.write(answer);
        socket.uncork();
      }
      kick();
    });
  };
  socket.on('data', (d: Buffer) => {
    queue.push(d);
    let i = 0;
    while (i < d.length) {
      if (remaining === 0) {
        const take = Math.min(4 - headHave, d.length - i);
        d.copy(head, headHave, i, i + take);
        headHave += take;
        i += take;
        if (headHave === 4) {
          headHave = 0;
          remaining = head.readInt32BE(0);
        }
        continue;
      }
      const take = Math.min(remaining, d.length - i);
      remaining -= take;
      i += take;
      if (remaining === 0) frameEnds.push(received + i);
    }
    received += d.length;
    kick();
  });
  socket.on('close', () => fs.closeSync(fd));
  socket.on('error', () => {});
});

sink.listen(0, '127.0.0.1', () => {
  source.listen(0, '127.0.0.1', () => {
    ack.listen(0, '127.0.0.1', () => {
      const a = sink.address() as net.AddressInfo;
      const b = source.address() as net.AddressInfo;
      const c = ack.address() as net.AddressInfo;
      process.stdout.write(`ceiling-server ${a.port} ${b.port} ${c.port}\n`);
    });
  });
});
process.on('SIGTERM', () => process.exit(0));
