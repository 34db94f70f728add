//! Log capture for tests. One subscriber serves the whole test process, installed once: a
//! subscriber set per thread raced with `tracing`'s per-callsite interest cache when tests
//! ran in parallel (a callsite first seen by a thread without a subscriber stayed off for
//! everyone, and the capture came back empty). It writes every event, from any thread, to the
//! buffer of the capture in progress; captures take turns.

use std::io::Write;
use std::sync::{Mutex, MutexGuard, Once};

use tracing_subscriber::layer::SubscriberExt;

static INSTALL: Once = Once::new();
static TURN: Mutex<()> = Mutex::new(());
/// The buffer of the capture in progress, if any.
static BUFFER: Mutex<Option<Vec<u8>>> = Mutex::new(None);

fn capturing() -> bool {
    BUFFER.lock().map(|b| b.is_some()).unwrap_or(false)
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
        // event (a dynamic filter), so no callsite is ever cached as off.
        let layer = tracing_subscriber::fmt::layer()
            .with_ansi(false)
            .with_writer(|| ToBuffer)
            .with_filter(tracing_subscriber::filter::filter_fn(|_| capturing()));
        let subscriber = tracing_subscriber::registry().with(layer);
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
    install();
    let turn = TURN.lock().unwrap_or_else(|e| e.into_inner());
    *BUFFER.lock().unwrap_or_else(|e| e.into_inner()) = Some(Vec::new());
    LogCapture { _turn: turn }
}

impl LogCapture {
    pub fn text(&self) -> String {
        let b = BUFFER.lock().unwrap_or_else(|e| e.into_inner());
        String::from_utf8_lossy(b.as_deref().unwrap_or_default()).into_owned()
    }
}

impl Drop for LogCapture {
    fn drop(&mut self) {
        *BUFFER.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }
}
