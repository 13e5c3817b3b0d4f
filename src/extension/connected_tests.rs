use std::time::Duration;

use serde_json::json;

use super::*;
use crate::extension::ExtensionErrorKind;
use crate::extension::message::ShouldDownloadAnswer;

fn will_terminate() -> ExtensionRequest {
    ExtensionRequest::WillTerminate {
        app: "org.example.game".into(),
    }
}

fn limits(millis: u64) -> ExtensionLimits {
    ExtensionLimits {
        time: Duration::from_millis(millis),
        ..ExtensionLimits::default()
    }
}

#[tokio::test]
async fn a_pushed_request_gets_the_answer_the_connection_gives() {
    let (extension, mut endpoint) = pair("org.example.game", 7);
    assert_eq!(extension.name(), "connection 7");
    let request = ExtensionRequest::ShouldDownload {
        app: "org.example.game".into(),
        pack: crate::extension::message::PackInfo {
            id: "Levels".into(),
            version: 1,
            policy: crate::extension::message::PolicyName::OnDemand,
            download_size: 1,
            install_size: 1,
            user_info: None,
        },
    };
    let asked = tokio::spawn({
        let extension = extension.clone();
        let request = request.clone();
        async move { extension.call(&request, &limits(5000)).await }
    });
    let (id, pushed) = endpoint.next().await.unwrap();
    assert_eq!(pushed, request);
    endpoint
        .answer(id, &json!({"shouldDownload": false}))
        .unwrap();
    let answer = asked.await.unwrap().unwrap();
    assert_eq!(
        answer,
        Answer::ShouldDownload(ShouldDownloadAnswer {
            should_download: false
        })
    );
    let error = endpoint.answer(id, &json!({})).unwrap_err();
    assert!(
        error.message.contains("no extension request 1 waits"),
        "{error}"
    );
}

#[tokio::test]
async fn a_wrong_answer_is_garbage_for_the_manager_and_refused_to_the_app() {
    let (extension, mut endpoint) = pair("a.b", 1);
    let asked = tokio::spawn(async move { extension.call(&will_terminate(), &limits(5000)).await });
    let (id, _) = endpoint.next().await.unwrap();
    let refusal = endpoint.answer(id, &json!({"bye": true})).unwrap_err();
    assert!(refusal.message.contains("unknown field `bye`"), "{refusal}");
    let error = asked.await.unwrap().unwrap_err();
    assert_eq!(error.kind(), ExtensionErrorKind::Garbage);
    assert!(
        error
            .to_string()
            .starts_with("extension `connection 1` of org.example.game"),
        "{error}"
    );
}

#[tokio::test]
async fn a_closed_connection_is_disconnected_and_a_silent_one_hung() {
    let (extension, endpoint) = pair("a.b", 2);
    assert!(extension.is_connected());
    drop(endpoint);
    assert!(!extension.is_connected());
    let error = extension
        .call(&will_terminate(), &limits(5000))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ExtensionErrorKind::Disconnected);

    let (extension, mut endpoint) = pair("a.b", 3);
    let asked = tokio::spawn(async move { extension.call(&will_terminate(), &limits(100)).await });
    let (id, _) = endpoint.next().await.unwrap();
    let error = asked.await.unwrap().unwrap_err();
    assert_eq!(error.kind(), ExtensionErrorKind::Hung);
    let late = endpoint.answer(id, &json!({})).unwrap_err();
    assert!(late.message.contains("time limit passed"), "{late}");
}

#[test]
fn only_an_app_connection_may_register() {
    let app = Role::App(crate::model::FolderName::parse("a.b").unwrap());
    let (extension, _) = register(Some(&app), 9).unwrap();
    assert_eq!(extension.app(), "a.b");
    assert!(register(Some(&Role::Controller), 9).is_err());
    assert!(register(None, 9).is_err());
    let error = answer(None, 1, &json!({})).unwrap_err();
    assert!(
        error.message.contains("has not sent `registerExtension`"),
        "{error}"
    );
}
