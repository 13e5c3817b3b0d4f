use super::*;
use crate::extension::ExtensionErrorKind;

fn garbage(event: Event, text: &str) -> String {
    match parse_answer(event, text.as_bytes()) {
        Err(problem @ Problem::Garbage(_)) => problem.to_string(),
        other => panic!("{text:?}: expected garbage, got {other:?}"),
    }
}

#[test]
fn each_event_reads_its_answer() {
    let answer = parse_answer(Event::ShouldDownload, b" {\"shouldDownload\": false}\n").unwrap();
    assert_eq!(
        answer,
        Answer::ShouldDownload(ShouldDownloadAnswer {
            should_download: false
        })
    );
    let content =
        br#"{"downloads": [{"identifier": "config", "url": "https://cdn.example.com/c.json",
        "essential": true, "expectedSize": 12, "priority": 5,
        "headers": [{"name": "Authorization", "value": "Bearer t"}]}]}"#;
    let Answer::Content(content) = parse_answer(Event::ContentRequest, content).unwrap() else {
        panic!("not content");
    };
    assert_eq!(content.downloads.len(), 1);
    assert_eq!(content.downloads[0].identifier.as_str(), "config");
    assert_eq!(content.downloads[0].headers[0].name, "Authorization");
    let empty = parse_answer(Event::ContentRequest, br#"{"downloads": []}"#).unwrap();
    assert_eq!(empty, Answer::Content(ContentAnswer { downloads: vec![] }));
    let moved = parse_answer(Event::Finished, br#"{"moveTo": "Config/c.json"}"#).unwrap();
    assert_eq!(
        moved,
        Answer::Finished(FinishedAnswer {
            move_to: Some("Config/c.json".into())
        })
    );
    assert_eq!(
        parse_answer(Event::Finished, b"{}").unwrap(),
        Answer::Finished(FinishedAnswer::default())
    );
    assert_eq!(parse_answer(Event::Failed, b"{}").unwrap(), Answer::Failed);
    assert_eq!(
        parse_answer(Event::WillTerminate, b"{}").unwrap(),
        Answer::WillTerminate
    );
    let auth = parse_answer(
        Event::AuthChallenge,
        br#"{"headers": [], "url": "https://cdn.example.com/c?expires=1&signature=ab"}"#,
    )
    .unwrap();
    let Answer::Auth(auth) = auth else {
        panic!("not auth")
    };
    assert_eq!(auth.headers, Some(vec![]));
    assert!(auth.url.is_some());
}

#[test]
fn wrong_answers_say_what_was_wrong_and_quote_the_start() {
    let cases: [(Event, &str, &str); 14] = [
        (Event::ShouldDownload, "", "the output is empty"),
        (Event::ShouldDownload, "yes please", "not one JSON value"),
        (Event::ShouldDownload, "[true]", "not a JSON object"),
        (
            Event::ShouldDownload,
            "{}",
            "missing field `shouldDownload`",
        ),
        (
            Event::ShouldDownload,
            r#"{"shouldDownload": "no"}"#,
            "invalid type: string",
        ),
        (
            Event::ShouldDownload,
            r#"{"shouldDownlod": false}"#,
            "unknown field `shouldDownlod`",
        ),
        (Event::ShouldDownload, "{} {}", "not one JSON value"),
        (Event::ContentRequest, "{}", "missing field `downloads`"),
        (
            Event::ContentRequest,
            r#"{"downloads": [{"identifier": "../x", "url": "https://a.example.com/"}]}"#,
            "at `downloads[0].identifier`",
        ),
        (
            Event::Finished,
            r#"{"moveTo": "../../etc/passwd"}"#,
            "contains `..`",
        ),
        (
            Event::Finished,
            r#"{"moveTo": "/etc/passwd"}"#,
            "is absolute",
        ),
        (Event::AuthChallenge, "{}", "needs `headers`"),
        (
            Event::AuthChallenge,
            r#"{"url": "file:///etc/passwd"}"#,
            "not an http or https URL",
        ),
        (Event::Failed, r#"{"retry": true}"#, "unknown field `retry`"),
    ];
    for (event, text, expected) in cases {
        let message = garbage(event, text);
        assert!(message.contains(expected), "{text:?}: {message}");
        if !text.is_empty() {
            assert!(message.contains("the answer began: \""), "{message}");
        }
    }
}

#[test]
fn answers_are_bounded() {
    let big = vec![b' '; MAX_ANSWER_BYTES + 1];
    let problem = parse_answer(Event::Failed, &big).unwrap_err();
    assert_eq!(problem.kind(), ExtensionErrorKind::TooMuchOutput);

    let one = r#"{"identifier": "a", "url": "https://a.example.com/"}"#;
    let many = format!(
        "{{\"downloads\": [{}]}}",
        vec![one; MAX_DOWNLOADS + 1].join(",")
    );
    let message = garbage(Event::ContentRequest, &many);
    assert!(message.contains("257 downloads; at most 256"), "{message}");

    let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
    let message = garbage(Event::Failed, &format!("{{\"a\": {deep}}}"));
    assert!(message.contains("recursion limit"), "{message}");

    let long = format!("{{\"shouldDownload\": \"{}\"}}", "x".repeat(1000));
    let message = garbage(Event::ShouldDownload, &long);
    let quoted = message.split("the answer began: ").nth(1).unwrap();
    assert!(quoted.len() < 220, "only the first 200 bytes: {quoted}");
    assert!(quoted.ends_with("…\""), "{quoted}");
}
