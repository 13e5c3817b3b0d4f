//! Tests of the finishing threads (`engine::finishers`).

use super::*;
use std::sync::atomic::{AtomicBool, AtomicUsize};
use std::time::Instant;

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
                    std::thread::sleep(Duration::from_millis(5));
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
    assert_eq!(panicked, Err(Unfinished::Stopped));
    assert_eq!(pool.run(|| 7).await, Ok(7), "the one thread still works");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closing_lets_the_running_job_end_and_drops_the_queued_ones() {
    let pool = Arc::new(Finishers::new(1));
    let done = Arc::new(AtomicBool::new(false));
    let running = {
        let (pool, done) = (pool.clone(), done.clone());
        tokio::spawn(async move {
            pool.run(move || {
                std::thread::sleep(Duration::from_millis(300));
                done.store(true, Ordering::SeqCst);
            })
            .await
        })
    };
    tokio::time::sleep(Duration::from_millis(50)).await;
    let queued = {
        let pool = pool.clone();
        tokio::spawn(async move { pool.run(|| 1).await })
    };
    tokio::time::sleep(Duration::from_millis(50)).await;
    let started = Instant::now();
    assert_eq!(
        pool.close(Duration::from_secs(5)).await,
        0,
        "every thread ended"
    );
    assert!(
        done.load(Ordering::SeqCst),
        "the running job was not cut short"
    );
    assert!(
        started.elapsed() >= Duration::from_millis(150),
        "close waited for it"
    );
    assert_eq!(running.await.unwrap(), Ok(()));
    assert_eq!(queued.await.unwrap(), Err(Unfinished::Stopped));
    assert_eq!(
        pool.run(|| 2).await,
        Err(Unfinished::Stopped),
        "closed for good"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn close_gives_up_on_a_job_that_outlasts_it() {
    let pool = Arc::new(Finishers::new(1));
    let stuck = {
        let pool = pool.clone();
        tokio::spawn(async move {
            pool.run(|| std::thread::sleep(Duration::from_millis(600)))
                .await
        })
    };
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(pool.close(Duration::from_millis(100)).await, 1);
    assert_eq!(
        stuck.await.unwrap(),
        Ok(()),
        "the job still ends and answers"
    );
}

/// The regression this guards: the threads waited on a channel that ended when the pool was
/// dropped; with a condition variable they must be told, or they wait for ever.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_threads_of_a_dropped_pool_end() {
    let pool = Finishers::new(3);
    assert_eq!(pool.run(|| 1).await, Ok(1));
    let shared = Arc::clone(&pool.shared);
    assert_eq!(shared.live.threads.load(Ordering::SeqCst), 3);
    drop(pool);
    for _ in 0..500 {
        if shared.live.threads.load(Ordering::SeqCst) == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(shared.live.threads.load(Ordering::SeqCst), 0);
}
