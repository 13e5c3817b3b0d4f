//! The threads that finish downloads (write a held body, check size and SHA-256, rename into
//! place, sync the folder): a fixed pool of [`FINISHING`](super::worker::FINISHING) threads fed
//! by one queue, started on first use. A thread that ends a job goes straight back to the
//! queue, and a job waits there instead of for a turn first (one hand-over fewer per file than
//! `spawn_blocking` behind a semaphore). The queue wakes exactly one idle thread per job (a
//! condition variable): a channel's receiver shared behind a lock woke two, the one blocked
//! in the channel and then the next one blocked on the lock (measured with `perf` on 500
//! files: 840 of the finishing threads' 5,200 switches were those two waits).
//!
//! A job that panics is reported to its caller as stopped; its thread carries on. When no
//! thread can be started (the system refuses threads), the caller is told so and may try again
//! later. [`Finishers::close`] at the engine's shutdown lets the running jobs end (a rename and
//! its folder sync are never cut short by the process exiting) and drops the queued ones, as
//! the runtime's shutdown did with blocking tasks.

use std::collections::VecDeque;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

type Task = Box<dyn FnOnce() + Send>;

/// The pool; closed by [`Finishers::close`], or when dropped (its threads then end once the
/// queue is empty).
#[derive(Debug)]
pub struct Finishers {
    threads: usize,
    shared: Arc<Shared>,
}

/// What the pool and its threads share.
#[derive(Debug, Default)]
struct Shared {
    queue: Mutex<Queue>,
    /// Signalled once per job queued, and for all when the queue ends.
    ready: Condvar,
    live: Live,
}

#[derive(Default)]
struct Queue {
    jobs: VecDeque<Task>,
    /// The threads were started (at least one).
    started: bool,
    /// No more jobs are taken (refused as stopped): the threads end once the queue is empty.
    ending: bool,
}

impl std::fmt::Debug for Queue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Queue")
            .field("jobs", &self.jobs.len())
            .field("started", &self.started)
            .field("ending", &self.ending)
            .finish()
    }
}

/// The pool's threads still running, and a wake-up for [`Finishers::close`] each time one
/// ends (a permit is kept when nobody waits yet, so an end is never missed).
#[derive(Debug, Default)]
struct Live {
    threads: AtomicUsize,
    ended: tokio::sync::Notify,
}

/// Held by a thread while it runs: counts it out when it ends, however it ends.
struct Running(Arc<Shared>);

impl Drop for Running {
    fn drop(&mut self) {
        self.0.live.threads.fetch_sub(1, Ordering::AcqRel);
        self.0.live.ended.notify_one();
    }
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
            shared: Arc::default(),
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
            let mut queue = self.shared.lock();
            if queue.ending {
                return Err(Unfinished::Stopped);
            }
            if !queue.started {
                queue.started = self.start();
            }
            if !queue.started {
                return Err(Unfinished::NoThread);
            }
            queue.jobs.push_back(task);
        }
        self.shared.ready.notify_one();
        answered.await.map_err(|_| Unfinished::Stopped)
    }

    /// Starts the threads; whether at least one started (else the next job tries again).
    fn start(&self) -> bool {
        let mut started = false;
        for n in 0..self.threads {
            self.shared.live.threads.fetch_add(1, Ordering::AcqRel);
            let running = Running(Arc::clone(&self.shared));
            let spawned = std::thread::Builder::new()
                .name(format!("bgassets-finish-{n}"))
                .spawn(move || {
                    work(&running.0);
                    drop(running);
                });
            match spawned {
                // Not joined: `close` waits for the count instead, up to its deadline.
                Ok(_) => started = true,
                Err(error) => tracing::warn!("cannot start a thread to finish downloads: {error}"),
            }
        }
        started
    }

    /// Closes the pool: jobs not started yet are dropped (their callers see
    /// [`Unfinished::Stopped`]), running ones end, waited for up to `within`. Returns how many
    /// threads were still running then.
    pub async fn close(&self, within: Duration) -> usize {
        let dropped = {
            let mut queue = self.shared.lock();
            queue.ending = true;
            std::mem::take(&mut queue.jobs)
        };
        drop(dropped);
        self.shared.ready.notify_all();
        let live = &self.shared.live;
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let running = live.threads.load(Ordering::Acquire);
            if running == 0 {
                return 0;
            }
            tokio::select! {
                _ = live.ended.notified() => {}
                _ = tokio::time::sleep_until(deadline) => {
                    return live.threads.load(Ordering::Acquire);
                }
            }
        }
    }
}

impl Drop for Finishers {
    /// The threads run what is queued, then end.
    fn drop(&mut self) {
        self.shared.lock().ending = true;
        self.shared.ready.notify_all();
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// One thread's loop: the next job, until the queue ends and is empty.
fn work(shared: &Shared) {
    let mut queue = shared.lock();
    loop {
        if let Some(task) = queue.jobs.pop_front() {
            drop(queue);
            // A panicking job drops its answer (its caller sees `Stopped`); the thread goes on.
            let _ = std::panic::catch_unwind(AssertUnwindSafe(task));
            queue = shared.lock();
        } else if queue.ending {
            return;
        } else {
            queue = shared
                .ready
                .wait(queue)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }
}

#[cfg(test)]
#[path = "finishers_tests.rs"]
mod tests;
