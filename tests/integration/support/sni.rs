//! A minimal tray host for the tray tests: an `org.kde.StatusNotifierWatcher` served with zbus
//! on a private bus ([`super::dbus::SessionBus`]) that says a host is registered and records
//! the items that register; plus readers of an item's properties and its `com.canonical.dbusmenu`
//! menu, and a click on a menu entry, as a tray host would do them.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use zbus::message::Header;
use zbus::object_server::SignalEmitter;
use zbus::zvariant::{OwnedObjectPath, OwnedValue, Value};

/// The watcher's well-known name and object path.
pub const WATCHER_NAME: &str = "org.kde.StatusNotifierWatcher";
const WATCHER_PATH: &str = "/StatusNotifierWatcher";
const ITEM_INTERFACE: &str = "org.kde.StatusNotifierItem";
const MENU_INTERFACE: &str = "com.canonical.dbusmenu";

/// A running watcher and the items registered with it.
pub struct Watcher {
    items: Arc<Mutex<Vec<String>>>,
    _connection: zbus::Connection,
}

struct WatcherInterface {
    items: Arc<Mutex<Vec<String>>>,
}

#[zbus::interface(name = "org.kde.StatusNotifierWatcher")]
impl WatcherInterface {
    async fn register_status_notifier_item(
        &self,
        service: &str,
        #[zbus(header)] header: Header<'_>,
        #[zbus(signal_emitter)] emitter: SignalEmitter<'_>,
    ) {
        let sender = header.sender().map(|s| s.to_string()).unwrap_or_default();
        // An item names itself by bus name, or by object path on its connection.
        let item = if service.starts_with('/') {
            format!("{sender}{service}")
        } else {
            service.to_string()
        };
        self.items.lock().unwrap().push(item.clone());
        let _ = Self::status_notifier_item_registered(&emitter, &item).await;
    }

    fn register_status_notifier_host(&self, _service: &str) {}

    #[zbus(property)]
    fn is_status_notifier_host_registered(&self) -> bool {
        true
    }

    #[zbus(property)]
    fn registered_status_notifier_items(&self) -> Vec<String> {
        self.items.lock().unwrap().clone()
    }

    #[zbus(property)]
    fn protocol_version(&self) -> i32 {
        0
    }

    #[zbus(signal)]
    async fn status_notifier_item_registered(
        emitter: &SignalEmitter<'_>,
        service: &str,
    ) -> zbus::Result<()>;

    #[zbus(signal)]
    async fn status_notifier_item_unregistered(
        emitter: &SignalEmitter<'_>,
        service: &str,
    ) -> zbus::Result<()>;

    #[zbus(signal)]
    async fn status_notifier_host_registered(emitter: &SignalEmitter<'_>) -> zbus::Result<()>;
}

impl Watcher {
    /// Serves the watcher on the bus at `address`.
    pub async fn start(address: &str) -> Self {
        let items = Arc::new(Mutex::new(Vec::new()));
        let connection = zbus::connection::Builder::address(address)
            .expect("a bus address")
            .name(WATCHER_NAME)
            .expect("the watcher's name")
            .serve_at(
                WATCHER_PATH,
                WatcherInterface {
                    items: items.clone(),
                },
            )
            .expect("the watcher's path")
            .build()
            .await
            .expect("serve the watcher");
        Self {
            items,
            _connection: connection,
        }
    }

    /// The first item registered, waited for (`support::wait::within`).
    pub async fn item(&self) -> String {
        let items = self.items.clone();
        super::wait::within(async move {
            loop {
                if let Some(item) = items.lock().unwrap().first().cloned() {
                    return item;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
        .await
    }
}

/// A property of the item `service` (at `/StatusNotifierItem`).
pub async fn item_property(connection: &zbus::Connection, service: &str, name: &str) -> OwnedValue {
    let proxy = zbus::fdo::PropertiesProxy::builder(connection)
        .destination(service.to_owned())
        .unwrap()
        .path("/StatusNotifierItem")
        .unwrap()
        .build()
        .await
        .unwrap();
    proxy
        .get(ITEM_INTERFACE.try_into().unwrap(), name)
        .await
        .unwrap_or_else(|e| panic!("read the item's {name}: {e}"))
}

/// The item's `IconPixmap`: (width, height, ARGB32) per size.
pub async fn icon_pixmap(connection: &zbus::Connection, service: &str) -> Vec<(i32, i32, Vec<u8>)> {
    let value = item_property(connection, service, "IconPixmap").await;
    Vec::<(i32, i32, Vec<u8>)>::try_from(value).expect("IconPixmap is a(iiay)")
}

/// The item's tooltip's title and text.
pub async fn tooltip(connection: &zbus::Connection, service: &str) -> (String, String) {
    let value = item_property(connection, service, "ToolTip").await;
    let (_, _, title, text) = <(String, Vec<(i32, i32, Vec<u8>)>, String, String)>::try_from(value)
        .expect("ToolTip is (sa(iiay)ss)");
    (title, text)
}

/// One menu entry as a host sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct MenuEntry {
    /// The entry's id in the menu.
    pub id: i32,
    /// Its label.
    pub label: String,
    /// Whether it can be clicked.
    pub enabled: bool,
    /// Its check mark, when it has one (1 checked, 0 not).
    pub toggle_state: Option<i32>,
}

async fn menu_proxy(connection: &zbus::Connection, service: &str) -> zbus::Proxy<'static> {
    let path = OwnedObjectPath::try_from(item_property(connection, service, "Menu").await)
        .expect("Menu is an object path");
    zbus::Proxy::new(connection, service.to_owned(), path, MENU_INTERFACE)
        .await
        .unwrap()
}

/// Every menu entry with a label, in the menu's order, read as a host does (`GetLayout`: the
/// ids it gives are the ones `Event` takes; ksni 0.3.7's `GetGroupProperties` without ids gives
/// positions instead once the layout has changed).
pub async fn menu(connection: &zbus::Connection, service: &str) -> Vec<MenuEntry> {
    type Node = (i32, HashMap<String, OwnedValue>, Vec<OwnedValue>);
    let proxy = menu_proxy(connection, service).await;
    let names = vec!["label", "enabled", "toggle-state"];
    let (_revision, (_root, _, children)): (u32, Node) = proxy
        .call("GetLayout", &(0i32, -1i32, names))
        .await
        .expect("GetLayout");
    let property = |properties: &HashMap<String, OwnedValue>, name: &str| {
        properties.get(name).and_then(|v| v.try_clone().ok())
    };
    children
        .into_iter()
        .filter_map(|child| {
            let (id, properties, _) = Node::try_from(child).expect("a menu node is (ia{sv}av)");
            let label = String::try_from(property(&properties, "label")?).ok()?;
            let enabled = property(&properties, "enabled")
                .and_then(|v| bool::try_from(v).ok())
                .unwrap_or(true);
            let toggle_state =
                property(&properties, "toggle-state").and_then(|v| i32::try_from(v).ok());
            Some(MenuEntry {
                id,
                label,
                enabled,
                toggle_state,
            })
        })
        .collect()
}

/// Clicks the menu entry labelled `label`, as a host does (`Event(id, "clicked", …)`).
pub async fn click(connection: &zbus::Connection, service: &str, label: &str) {
    let entries = menu(connection, service).await;
    let entry = entries
        .iter()
        .find(|e| e.label == label)
        .unwrap_or_else(|| panic!("no menu entry {label:?} in {entries:#?}"));
    let proxy = menu_proxy(connection, service).await;
    let () = proxy
        .call("Event", &(entry.id, "clicked", Value::from(0i32), 0u32))
        .await
        .unwrap_or_else(|e| panic!("click {label:?}: {e}"));
}
