//! The threads that finish downloads (write a held body, check size and SHA-256, rename into
//! place, sync the folder): a fixed pool of [`FINISHING`](super::worker::FINISHING) threads fed
//! by one queue, started on first use. While work waits, a thread that ends one job takes the
//! next without going to sleep, and a job waits in the queue instead of for a turn first.
//! A job that panics is reported to its caller as stopped; its thread carries on. Should no
//! thread start at all (the system refuses threads), jobs run on tokio's blocking pool instead
//! of waiting for ever.

use std::panic::AssertUnwindSafe;
use std::sync::mpsc;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

type Task = Box<dyn FnOnce() + Send>;

/// The pool; dropping it lets its threads end once the queue is empty.
#[derive(Debug)]
pub struct Finishers {
    threads: usize,
    /// The queue to the threads, once started; `None` when none could be started.
    queue: OnceLock<Option<Mutex<mpsc::Sender<Task>>>>,
}

/// A job did not give its result: its thread stopped (a panic) or the pool is gone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stopped;

impl Finishers {
    /// A pool of `threads` threads (at least one), none started yet.
    pub fn new(threads: usize) -> Self {
        Self {
            threads: threads.max(1),
            queue: OnceLock::new(),
        }
    }

    /// Runs `job` on one of the pool's threads and gives its result.
    pub async fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, Stopped> {
        let (answer, answered) = tokio::sync::oneshot::channel();
        let task: Task = Box::new(move || {
            let _ = answer.send(job());
        });
        match self.queue.get_or_init(|| self.spawn().map(Mutex::new)) {
            Some(queue) => {
                let sent = queue
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .send(task);
                if sent.is_err() {
                    return Err(Stopped);
                }
            }
            None => drop(tokio::task::spawn_blocking(task)),
        }
        answered.await.map_err(|_| Stopped)
    }

    /// Starts the threads; `None` when not one could be started.
    fn spawn(&self) -> Option<mpsc::Sender<Task>> {
        let (sender, receiver) = mpsc::channel::<Task>();
        let receiver = Arc::new(Mutex::new(receiver));
        let mut started = 0;
        for n in 0..self.threads {
            let receiver = Arc::clone(&receiver);
            let spawned = std::thread::Builder::new()
                .name(format!("bgassets-finish-{n}"))
                .spawn(move || work(&receiver));
            match spawned {
                Ok(_) => started += 1,
                Err(error) => {
                    tracing::warn!("cannot start a thread to finish downloads: {error}")
                }
            }
        }
        (started > 0).then_some(sender)
    }
}

/// One thread's loop: the next job, until the queue is closed and empty.
fn work(receiver: &Mutex<mpsc::Receiver<Task>>) {
    loop {
        let next = receiver
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .recv();
        let Ok(task) = next else {
            return;
        };
        // A panicking job drops its answer (its caller sees `Stopped`); the thread goes on.
        let _ = std::panic::catch_unwind(AssertUnwindSafe(task));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn jobs_run_at_most_threads_at_once_and_each_gives_its_result() {
        let pool = Arc::new(Finishers::new(3));
        let (inside, most) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let jobs: Vec<_> = (0..20)
            .map(|n| {
                let (pool, inside, most) = (pool.clone(), inside.clone(), most.clone());
                tokio::spawn(async move {
                    pool.run(move || {
                        let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
                        most.fetch_max(now, Ordering::SeqCst);
                        std::thread::sleep(std::time::Duration::from_millis(5));
                        inside.fetch_sub(1, Ordering::SeqCst);
                        n * 2
                    })
                    .await
                })
            })
            .collect();
        for (n, job) in jobs.into_iter().enumerate() {
            assert_eq!(job.await.unwrap(), Ok(n * 2));
        }
        assert_eq!(most.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn a_job_that_panics_is_stopped_and_its_thread_carries_on() {
        let pool = Finishers::new(1);
        let panicked = pool.run(|| -> u32 { panic!("a bug in a job") }).await;
        assert_eq!(panicked, Err(Stopped));
        assert_eq!(pool.run(|| 7).await, Ok(7), "the one thread still works");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn with_no_thread_started_jobs_run_on_the_blocking_pool() {
        let pool = Finishers::new(2);
        pool.queue.set(None).unwrap(); // as when the system refused every thread
        assert_eq!(pool.run(|| 5).await, Ok(5));
        let panicked = pool.run(|| -> u32 { panic!("a bug in a job") }).await;
        assert_eq!(panicked, Err(Stopped));
    }
}
