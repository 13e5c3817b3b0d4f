//! The threads that finish downloads (write a held body, check size and SHA-256, rename into
//! place, sync the folder): a fixed pool of [`FINISHING`](super::worker::FINISHING) threads fed
//! by one queue, started on first use. A thread that ends a job goes straight back to the
//! queue, and a job waits there instead of for a turn first (one hand-over fewer per file than
//! `spawn_blocking` behind a semaphore).
//!
//! A job that panics is reported to its caller as stopped; its thread carries on. When no
//! thread can be started (the system refuses threads), the caller is told so and may try again
//! later. [`Finishers::close`] at the engine's shutdown lets the running jobs end (a rename and
//! its folder sync are never cut short by the process exiting) and drops the queued ones, as
//! the runtime's shutdown did with blocking tasks.

use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

type Task = Box<dyn FnOnce() + Send>;

/// The pool; closed by [`Finishers::close`], or when dropped (its threads then end once the
/// queue is empty).
#[derive(Debug)]
pub struct Finishers {
    threads: usize,
    pool: Mutex<Pool>,
    closed: Arc<AtomicBool>,
}

#[derive(Debug, Default)]
struct Pool {
    queue: Option<mpsc::Sender<Task>>,
    handles: Vec<JoinHandle<()>>,
}

/// Why a job gave no result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unfinished {
    /// Its thread stopped (the job panicked), or the pool was closed first.
    Stopped,
    /// Not one thread could be started.
    NoThread,
}

impl Finishers {
    /// A pool of `threads` threads (at least one), none started yet.
    pub fn new(threads: usize) -> Self {
        Self {
            threads: threads.max(1),
            pool: Mutex::new(Pool::default()),
            closed: Arc::new(AtomicBool::new(false)),
        }
    }

    /// Runs `job` on one of the pool's threads and gives its result.
    pub async fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, Unfinished> {
        let (answer, answered) = tokio::sync::oneshot::channel();
        let task: Task = Box::new(move || {
            let _ = answer.send(job());
        });
        {
            let mut pool = self.pool.lock().unwrap_or_else(PoisonError::into_inner);
            if self.closed.load(Ordering::Relaxed) {
                return Err(Unfinished::Stopped);
            }
            if pool.queue.is_none() {
                self.start(&mut pool);
            }
            let Some(queue) = &pool.queue else {
                return Err(Unfinished::NoThread);
            };
            if queue.send(task).is_err() {
                return Err(Unfinished::Stopped);
            }
        }
        answered.await.map_err(|_| Unfinished::Stopped)
    }

    /// Starts the threads; the queue stays unset when not one could be started (the next job
    /// tries again).
    fn start(&self, pool: &mut Pool) {
        let (sender, receiver) = mpsc::channel::<Task>();
        let receiver = Arc::new(Mutex::new(receiver));
        for n in 0..self.threads {
            let (receiver, closed) = (Arc::clone(&receiver), Arc::clone(&self.closed));
            let spawned = std::thread::Builder::new()
                .name(format!("bgassets-finish-{n}"))
                .spawn(move || work(&receiver, &closed));
            match spawned {
                Ok(handle) => pool.handles.push(handle),
                Err(error) => tracing::warn!("cannot start a thread to finish downloads: {error}"),
            }
        }
        if !pool.handles.is_empty() {
            pool.queue = Some(sender);
        }
    }

    /// Closes the pool: jobs not started yet are dropped (their callers see
    /// [`Unfinished::Stopped`]), running ones end, waited for up to `within`. Returns how many
    /// threads were still running then.
    pub async fn close(&self, within: Duration) -> usize {
        self.closed.store(true, Ordering::Relaxed);
        let handles = {
            let mut pool = self.pool.lock().unwrap_or_else(PoisonError::into_inner);
            pool.queue = None;
            std::mem::take(&mut pool.handles)
        };
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let running = handles.iter().filter(|h| !h.is_finished()).count();
            if running == 0 || tokio::time::Instant::now() >= deadline {
                return running;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
}

/// One thread's loop: the next job, until the queue is closed and empty; once the pool is
/// closed, what is left in the queue is dropped, not run.
fn work(receiver: &Mutex<mpsc::Receiver<Task>>, closed: &AtomicBool) {
    loop {
        let next = receiver
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .recv();
        let Ok(task) = next else {
            return;
        };
        if closed.load(Ordering::Relaxed) {
            continue;
        }
        // A panicking job drops its answer (its caller sees `Stopped`); the thread goes on.
        let _ = std::panic::catch_unwind(AssertUnwindSafe(task));
    }
}

#[cfg(test)]
#[path = "finishers_tests.rs"]
mod tests;
