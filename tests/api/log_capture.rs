//! Log capture for tests. One subscriber serves the whole test process, installed once: a
//! subscriber set per thread raced with `tracing`'s per-callsite interest cache when tests
//! ran in parallel (a callsite first seen by a thread without a subscriber stayed off for
//! everyone, and the capture came back empty). It writes every event, from any thread, to the
//! buffer of the capture in progress; captures take turns.

use std::io::Write;
use std::sync::{Mutex, MutexGuard, Once};
use std::thread::ThreadId;

use tracing_subscriber::layer::SubscriberExt;

static INSTALL: Once = Once::new();
static TURN: Mutex<()> = Mutex::new(());
/// The buffer of the capture in progress, if any.
static BUFFER: Mutex<Option<Vec<u8>>> = Mutex::new(None);
/// When set, only the events of this thread are captured (see `capture_this_thread`).
static THREAD: Mutex<Option<ThreadId>> = Mutex::new(None);

fn capturing() -> bool {
    let on = BUFFER.lock().map(|b| b.is_some()).unwrap_or(false);
    on && THREAD.lock().map(|t| t.is_none()).unwrap_or(false)
}

/// A `capture_this_thread` is in progress and this is its thread.
fn capturing_this_thread() -> bool {
    let on = BUFFER.lock().map(|b| b.is_some()).unwrap_or(false);
    on && *THREAD.lock().unwrap_or_else(|e| e.into_inner()) == Some(std::thread::current().id())
}

struct ToBuffer;

impl Write for ToBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut b) = BUFFER.lock() {
            if let Some(b) = b.as_mut() {
                b.extend_from_slice(buf);
            }
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn install() {
    INSTALL.call_once(|| {
        use tracing_subscriber::Layer;
        // Every level while a capture runs; nothing otherwise. The filter is asked at each
        // event (a dynamic filter), so no callsite is ever cached as off. Rocket's remarks on
        // each request, which the service drops at every level, are left out.
        let layer = tracing_subscriber::fmt::layer()
            .with_ansi(false)
            .with_writer(|| ToBuffer)
            .with_filter(tracing_subscriber::filter::filter_fn(|meta| {
                capturing() && !clausier::is_rocket_request_remark(meta)
            }));
        // What the service writes with its own filter (`clausier::log_filter`, as
        // `init_logging` sets it up), for `capture_this_thread`.
        let service = tracing_subscriber::fmt::layer()
            .with_ansi(false)
            .with_target(false)
            .with_writer(|| ToBuffer)
            .with_filter(clausier::log_filter())
            .with_filter(tracing_subscriber::filter::filter_fn(|_| {
                capturing_this_thread()
            }));
        let subscriber = tracing_subscriber::registry().with(layer).with(service);
        tracing::subscriber::set_global_default(subscriber)
            .expect("no other global subscriber in the test process");
    });
}

/// Everything logged, by any thread, from `capture()` until `text()`. Other tests running at
/// the same time log into it too: assert what must be there and what must never be anywhere.
pub struct LogCapture {
    _turn: MutexGuard<'static, ()>,
}

pub fn capture() -> LogCapture {
    start(None)
}

/// What the service's logs show (its filter, `RUST_LOG` or the default) of what the calling
/// thread logs: the requests a test sends through the blocking local client are served on its
/// own thread, so the lines it gets are exactly those of its requests, whatever other tests log
/// at the same time. (Rocket's `log` records reach `tracing` because `build_rocket_with`
/// forwards them.)
pub fn capture_this_thread() -> LogCapture {
    start(Some(std::thread::current().id()))
}

fn start(thread: Option<ThreadId>) -> LogCapture {
    install();
    let turn = TURN.lock().unwrap_or_else(|e| e.into_inner());
    *THREAD.lock().unwrap_or_else(|e| e.into_inner()) = thread;
    *BUFFER.lock().unwrap_or_else(|e| e.into_inner()) = Some(Vec::new());
    LogCapture { _turn: turn }
}

impl LogCapture {
    /// Empties the buffer: what is logged from now on.
    pub fn clear(&self) {
        if let Some(b) = BUFFER.lock().unwrap_or_else(|e| e.into_inner()).as_mut() {
            b.clear();
        }
    }

    pub fn text(&self) -> String {
        let b = BUFFER.lock().unwrap_or_else(|e| e.into_inner());
        String::from_utf8_lossy(b.as_deref().unwrap_or_default()).into_owned()
    }
}

impl Drop for LogCapture {
    fn drop(&mut self) {
        *BUFFER.lock().unwrap_or_else(|e| e.into_inner()) = None;
        *THREAD.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }
}
