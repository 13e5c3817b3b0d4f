//! Every fault of the mock server, set at start or changed live through the control endpoint,
//! observed from a reqwest client; and the control endpoint's own validation.

use std::time::{Duration, Instant};

use bgassets::server::{Faults, Outcome, Server};
use reqwest::StatusCode;
use reqwest::header;
use serde_json::{Value, json};

use crate::support::faults::FaultsExt;
use crate::support::serve::{Fixture, MEDIUM, SMALL, client};
use crate::support::wait::wait_until_async;

/// `PUT /_bgassets/faults` with a JSON body; the status and the JSON answer.
async fn put_faults(server: &Server, body: &str) -> (StatusCode, Value) {
    let response = client()
        .put(server.url_of("_bgassets/faults"))
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, json_of(response).await)
}

async fn get_json(server: &Server, path: &str) -> Value {
    let response = client().get(server.url_of(path)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    json_of(response).await
}

/// The JSON body of a response (reqwest's `json` feature is not enabled).
async fn json_of(response: reqwest::Response) -> Value {
    serde_json::from_slice(&response.bytes().await.unwrap()).unwrap()
}

#[tokio::test]
async fn latency_delays_file_responses_but_not_the_control_endpoint() {
    let fixture = Fixture::new();
    let server = fixture
        .serve(Faults::default().latency(Duration::from_secs(30)))
        .await;
    let started = Instant::now();
    let faults = get_json(&server, "_bgassets/faults").await;
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "control endpoint was delayed"
    );
    assert_eq!(faults["latency"], 30_000);
    let (status, _) = put_faults(&server, r#"{"latency": "300ms"}"#).await;
    assert_eq!(status, StatusCode::OK);
    let started = Instant::now();
    let response = client().get(server.manifest_url()).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        started.elapsed() >= Duration::from_millis(300),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(server.requests()[0].faults, ["latency"]);
}

#[tokio::test]
async fn rate_limits_the_whole_server() {
    let fixture = Fixture::new();
    let server = fixture.serve(Faults::default().rate(2_000_000)).await;
    // One megabyte at two megabytes per second.
    let started = Instant::now();
    let body = client()
        .get(server.url_of("packs/medium.zip"))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let elapsed = started.elapsed();
    assert_eq!(body, fixture.read("packs/medium.zip"));
    assert!(elapsed >= Duration::from_millis(450), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(3), "{elapsed:?}");
    assert!(server.requests()[0].faults.contains(&"rate".to_string()));

    // The bucket is global: two half-megabyte downloads at once still take about half a second.
    let started = Instant::now();
    let url = server.url_of("packs/medium.zip");
    let half = |url: String| async move {
        client()
            .get(url)
            .header(header::RANGE, "bytes=0-499999")
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap()
            .len()
    };
    let (a, b) = tokio::join!(half(url.clone()), half(url));
    assert_eq!(a + b, MEDIUM);
    let elapsed = started.elapsed();
    assert!(elapsed >= Duration::from_millis(450), "{elapsed:?}");
}

#[tokio::test]
async fn fail_rate_one_always_fails_with_retry_after_and_zero_never() {
    let fixture = Fixture::new();
    let server = fixture
        .serve(Faults::default().fail_rate(1.0).retry_after(7))
        .await;
    for _ in 0..5 {
        let response = client().get(server.manifest_url()).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers()[header::RETRY_AFTER], "7");
    }
    assert!(
        server
            .requests()
            .iter()
            .all(|record| record.faults == ["fail"])
    );
    let (status, _) = put_faults(&server, r#"{"fail_rate": 0}"#).await;
    assert_eq!(status, StatusCode::OK);
    for _ in 0..5 {
        let response = client().get(server.manifest_url()).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
    }
}

#[tokio::test]
async fn a_seed_makes_fail_rate_reproducible() {
    let fixture = Fixture::new();
    let server = fixture.serve(Faults::default()).await;
    let mut runs = Vec::new();
    for _ in 0..2 {
        let (status, _) = put_faults(&server, r#"{"fail_rate": 0.5, "seed": 42}"#).await;
        assert_eq!(status, StatusCode::OK);
        let mut statuses = Vec::new();
        for _ in 0..20 {
            let response = client().head(server.manifest_url()).send().await.unwrap();
            statuses.push(response.status().as_u16());
        }
        runs.push(statuses);
    }
    assert_eq!(runs[0], runs[1]);
    assert!(
        runs[0].contains(&503) && runs[0].contains(&200),
        "{:?}",
        runs[0]
    );
}

#[tokio::test]
async fn drop_after_cuts_the_connection_after_that_many_bytes() {
    let fixture = Fixture::new();
    let server = fixture.serve(Faults::default().drop_after(300_000)).await;
    let response = client()
        .get(server.url_of("packs/medium.zip"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.bytes().await.is_err(),
        "the body should end in an error"
    );
    let record = &server.requests()[0];
    assert_eq!(record.outcome, Outcome::Dropped);
    assert_eq!(record.bytes_sent, 300_000);
    assert_eq!(record.faults, ["drop_after"]);

    // Reading chunk by chunk shows exactly the bytes before the cut, and they are right.
    let mut response = client()
        .get(server.url_of("packs/medium.zip"))
        .send()
        .await
        .unwrap();
    let mut received = Vec::new();
    while let Ok(Some(chunk)) = response.chunk().await {
        received.extend_from_slice(&chunk);
    }
    assert!(
        received.len() <= 300_000 && !received.is_empty(),
        "{}",
        received.len()
    );
    assert_eq!(received, fixture.read("packs/medium.zip")[..received.len()]);

    // A file smaller than the limit is not affected.
    let small = client()
        .get(server.url_of("packs/small.zip"))
        .send()
        .await
        .unwrap();
    assert_eq!(small.bytes().await.unwrap().len(), SMALL);
}

#[tokio::test]
async fn stall_after_stops_sending_and_the_client_times_out() {
    let fixture = Fixture::new();
    let server = fixture.serve(Faults::default().stall_after(200_000)).await;
    let impatient = reqwest::Client::builder()
        .no_proxy()
        .read_timeout(Duration::from_millis(400))
        .build()
        .unwrap();
    let response = impatient
        .get(server.url_of("packs/medium.zip"))
        .send()
        .await
        .unwrap();
    let error = response.bytes().await.unwrap_err();
    assert!(error.is_timeout() || error.is_body(), "{error:?}");
    let record = &server.requests()[0];
    assert_eq!(record.bytes_sent, 200_000);
    assert_eq!(record.faults, ["stall_after"]);
    // The server notices the client going away.
    wait_until_async(
        "the stalled response to end",
        Duration::from_secs(5),
        || server.requests()[0].outcome == Outcome::ClientGone,
    )
    .await;
}

#[tokio::test]
async fn clearing_a_stall_lets_the_download_finish() {
    let fixture = Fixture::new();
    let server = fixture.serve(Faults::default().stall_after(200_000)).await;
    let mut response = client()
        .get(server.url_of("packs/medium.zip"))
        .send()
        .await
        .unwrap();
    let mut received = Vec::new();
    while received.len() < 200_000 {
        let chunk = response.chunk().await.unwrap().unwrap();
        received.extend_from_slice(&chunk);
    }
    assert_eq!(received.len(), 200_000);
    wait_until_async("the stall", Duration::from_secs(5), || {
        server.requests()[0].faults == ["stall_after"]
    })
    .await;
    assert_eq!(server.requests()[0].outcome, Outcome::InProgress);
    let (status, faults) = put_faults(&server, r#"{"stall_after": null}"#).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(faults["stall_after"], Value::Null);
    while let Some(chunk) = response.chunk().await.unwrap() {
        received.extend_from_slice(&chunk);
    }
    assert_eq!(received, fixture.read("packs/medium.zip"));
    wait_until_async("completion", Duration::from_secs(5), || {
        server.requests()[0].outcome == Outcome::Complete
    })
    .await;
}

#[tokio::test]
async fn ignore_range_answers_200_with_everything() {
    let fixture = Fixture::new();
    let server = fixture.serve(Faults::default().ignore_range()).await;
    let response = client()
        .get(server.url_of("packs/small.zip"))
        .header(header::RANGE, "bytes=100-199")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers().get(header::CONTENT_RANGE).is_none());
    assert_eq!(
        response.bytes().await.unwrap(),
        fixture.read("packs/small.zip")
    );
    assert_eq!(server.requests()[0].faults, ["ignore_range"]);
}

#[tokio::test]
async fn change_etag_gives_every_response_a_new_etag() {
    let fixture = Fixture::new();
    let server = fixture.serve(Faults::default().change_etag()).await;
    let url = server.url_of("packs/small.zip");
    let first = client().head(&url).send().await.unwrap();
    let second = client().head(&url).send().await.unwrap();
    let etag = first.headers()[header::ETAG].to_str().unwrap().to_string();
    assert_ne!(etag, second.headers()[header::ETAG].to_str().unwrap());
    assert!(etag.starts_with('"') && etag.ends_with('"'));
    let resumed = client()
        .get(&url)
        .header(header::RANGE, "bytes=100-")
        .header(header::IF_RANGE, &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(resumed.status(), StatusCode::OK, "If-Range must not match");
    assert_eq!(resumed.bytes().await.unwrap().len(), SMALL);
    let conditional = client()
        .get(&url)
        .header(header::IF_NONE_MATCH, &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(conditional.status(), StatusCode::OK);
}

#[tokio::test]
async fn corrupt_flips_exactly_the_middle_byte() {
    let fixture = Fixture::new();
    let server = fixture.serve(Faults::default().corrupt()).await;
    let data = fixture.read("packs/medium.zip");
    let middle = data.len() / 2;
    let url = server.url_of("packs/medium.zip");
    let body = client()
        .get(&url)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let differing: Vec<usize> = (0..data.len()).filter(|&i| body[i] != data[i]).collect();
    assert_eq!(differing, [middle]);
    assert_eq!(body[middle], data[middle] ^ 0xFF);
    // Consistent across ranges: a range holding the byte flips it at the same place…
    let range = client()
        .get(&url)
        .header(
            header::RANGE,
            format!("bytes={}-{}", middle - 10, middle + 10),
        )
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(range[..], body[middle - 10..=middle + 10]);
    // …and a range without it is intact.
    let clean = client()
        .get(&url)
        .header(header::RANGE, "bytes=0-999")
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(clean[..], data[..1000]);
    let faults: Vec<_> = server.requests().into_iter().map(|r| r.faults).collect();
    assert_eq!(
        faults,
        [vec!["corrupt".to_string()], vec!["corrupt".into()], vec![]]
    );
}

#[tokio::test]
async fn faults_change_live_through_the_control_endpoint() {
    let fixture = Fixture::new();
    let server = fixture.serve(Faults::default().corrupt()).await;
    let (status, faults) = put_faults(
        &server,
        r#"{"latency": "150ms", "rate": "40MB", "drop_after": 1000}"#,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(faults["latency"], 150);
    assert_eq!(faults["rate"], 40_000_000);
    assert_eq!(faults["drop_after"], 1000);
    assert_eq!(faults["corrupt"], true, "fields not given are kept");
    assert_eq!(server.faults().latency, Some(Duration::from_millis(150)));
    let started = Instant::now();
    let response = client().get(server.manifest_url()).send().await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(150));
    assert_eq!(response.status(), StatusCode::OK);

    let (_, faults) = put_faults(&server, r#"{"latency": null, "corrupt": false}"#).await;
    assert_eq!(faults["latency"], Value::Null);
    assert_eq!(faults["rate"], 40_000_000);
    let response = client()
        .delete(server.url_of("_bgassets/faults"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(server.faults().is_none());

    // The library API changes them too.
    server.set_faults(Faults::default().ignore_range()).unwrap();
    assert_eq!(
        get_json(&server, "_bgassets/faults").await["ignore_range"],
        true
    );
    assert!(server.set_faults(Faults::default().fail_rate(2.0)).is_err());
}

#[tokio::test]
async fn bad_control_requests_get_clear_errors() {
    let fixture = Fixture::new();
    let server = fixture.serve(Faults::default()).await;
    let cases = [
        ("{not json", "not valid JSON"),
        ("[]", "JSON object"),
        (r#"{"latency": "soon"}"#, "`latency`"),
        (r#"{"rate": "fast"}"#, "`rate`: `fast` is not a size"),
        (r#"{"rate": 0}"#, "`rate`"),
        (r#"{"fail_rate": 1.5}"#, "`fail_rate`"),
        (r#"{"drop_after": -5}"#, "`drop_after`"),
        (r#"{"stall_after": 1e99}"#, "`stall_after`"),
        (r#"{"corrupt": "yes"}"#, "`corrupt`"),
        (r#"{"rtae": 1}"#, "unknown fault `rtae`"),
    ];
    for (body, expected) in cases {
        let (status, answer) = put_faults(&server, body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        let message = answer["error"].as_str().unwrap();
        assert!(message.contains(expected), "{body}: {message}");
    }
    assert!(server.faults().is_none(), "refused changes change nothing");
    let response = client()
        .post(server.url_of("_bgassets/faults"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    let response = client()
        .get(server.url_of("_bgassets/nope"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let answer = json_of(response).await;
    assert!(
        answer["error"]
            .as_str()
            .unwrap()
            .contains("/_bgassets/faults")
    );
    let huge = format!("{{\"seed\": 1, \"x\": \"{}\"}}", "a".repeat(100_000));
    let (status, answer) = put_faults(&server, &huge).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(answer["error"].as_str().unwrap().contains("at most"));
}

#[tokio::test]
async fn the_request_log_is_served_and_cleared() {
    let fixture = Fixture::new();
    let server = fixture.serve(Faults::default()).await;
    client()
        .get(server.url_of("packs/small.zip"))
        .header(header::RANGE, "bytes=10-")
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    wait_until_async("the body to be logged", Duration::from_secs(5), || {
        server.requests()[0].outcome == Outcome::Complete
    })
    .await;
    let log = get_json(&server, "_bgassets/requests").await;
    assert_eq!(
        log,
        json!([{
            "id": 0, "method": "GET", "path": "/packs/small.zip", "range": "bytes=10-",
            "if_range": null, "status": 206, "bytes_sent": SMALL - 10, "faults": [],
            "outcome": "complete"
        }])
    );
    let response = client()
        .delete(server.url_of("_bgassets/requests"))
        .send()
        .await
        .unwrap();
    assert_eq!(json_of(response).await, json!({"cleared": 1}));
    assert!(
        server.requests().is_empty(),
        "control requests are not logged"
    );
}
