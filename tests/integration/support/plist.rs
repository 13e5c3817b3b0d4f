//! Hostile Info.plists and the generator that makes them: a `bplist00` writer whose objects
//! refer to each other by number (reference bombs, cycles, forged counts, deep chains), and
//! XML ones nested deep or padded past the size cap. Each case carries what `App::parse` must
//! report after naming the input. Their manifest URL is a closed port on loopback: were one
//! accepted, nothing would leave the machine.

/// An object of a binary plist, referring to others by number.
pub enum Obj {
    Dict(Vec<(u64, u64)>),
    Array(Vec<u64>),
    /// An array declaring `len` references that are not there.
    Claimed(u64),
    Str(String),
    True,
    Int(u8),
}

/// The marker of an object of type `kind` and length `len` (long lengths follow as an integer).
fn marker(kind: u8, len: u64, out: &mut Vec<u8>) {
    if len < 15 {
        out.push(kind << 4 | len as u8);
        return;
    }
    out.push(kind << 4 | 0xf);
    match len {
        0..=0xff => out.extend_from_slice(&[0x10, len as u8]),
        0x100..=0xffff => out.extend([0x11].into_iter().chain((len as u16).to_be_bytes())),
        0x1_0000..=0xffff_ffff => out.extend([0x12].into_iter().chain((len as u32).to_be_bytes())),
        _ => out.extend([0x13].into_iter().chain(len.to_be_bytes())),
    }
}

/// A `bplist00` file of `objects`, rooted at object 0; `claimed` overrides the object count.
pub fn bplist(objects: &[Obj], claimed: Option<u64>) -> Vec<u8> {
    let count = objects.len() as u64;
    let ref_size: u8 = if count < 0x100 {
        1
    } else if count < 0x1_0000 {
        2
    } else {
        4
    };
    let reference = |out: &mut Vec<u8>, r: u64| {
        out.extend_from_slice(&r.to_be_bytes()[8 - usize::from(ref_size)..]);
    };
    let mut out = b"bplist00".to_vec();
    let mut offsets = Vec::new();
    for object in objects {
        offsets.push(out.len() as u64);
        match object {
            Obj::Dict(pairs) => {
                marker(0xd, pairs.len() as u64, &mut out);
                pairs.iter().for_each(|(k, _)| reference(&mut out, *k));
                pairs.iter().for_each(|(_, v)| reference(&mut out, *v));
            }
            Obj::Array(items) => {
                marker(0xa, items.len() as u64, &mut out);
                items.iter().for_each(|r| reference(&mut out, *r));
            }
            Obj::Claimed(len) => marker(0xa, *len, &mut out),
            Obj::Str(text) => {
                marker(0x5, text.len() as u64, &mut out);
                out.extend_from_slice(text.as_bytes());
            }
            Obj::True => out.push(0x09),
            Obj::Int(n) => out.extend_from_slice(&[0x10, *n]),
        }
    }
    let table = out.len() as u64;
    for offset in offsets {
        out.extend_from_slice(&(offset as u32).to_be_bytes());
    }
    out.extend_from_slice(&[0; 6]);
    out.extend_from_slice(&[4, ref_size]);
    out.extend_from_slice(&claimed.unwrap_or(count).to_be_bytes());
    out.extend_from_slice(&0u64.to_be_bytes());
    out.extend_from_slice(&table.to_be_bytes());
    out
}

/// An otherwise valid Info.plist (objects 0 to 6) whose key `Payload` is object 7, the first of
/// `payload`.
pub fn info_plist(payload: Vec<Obj>, claimed: Option<u64>) -> Vec<u8> {
    let mut objects = vec![
        Obj::Dict(vec![(1, 2), (3, 4), (5, 6), (8, 7)]),
        Obj::Str("CFBundleIdentifier".into()),
        Obj::Str("com.example.hostile".into()),
        Obj::Str("CFBundleVersion".into()),
        Obj::Str("1".into()),
        Obj::Str("BAManifestURL".into()),
        Obj::Str("http://127.0.0.1:9/m.json".into()),
    ];
    // Object 7 is the payload's first object; the key `Payload` goes after the payload.
    let first = objects.len() as u64;
    objects.extend(payload);
    let key = objects.len() as u64;
    objects.push(Obj::Str("Payload".into()));
    if let Obj::Dict(pairs) = &mut objects[0] {
        pairs[3] = (key, first);
    }
    bplist(&objects, claimed)
}

/// Arrays of `width` references, `levels` deep, over one object `leaf` (object 7 is the top).
fn fan_out(levels: u64, width: usize, leaf: Obj) -> Vec<Obj> {
    let mut payload: Vec<Obj> = (0..levels)
        .map(|level| Obj::Array(vec![7 + level + 1; width]))
        .collect();
    payload.push(leaf);
    payload
}

/// Arrays each holding the next, `levels` deep.
fn chain(levels: u64) -> Vec<Obj> {
    let mut payload: Vec<Obj> = (0..levels - 1)
        .map(|level| Obj::Array(vec![7 + level + 1]))
        .collect();
    payload.push(Obj::Array(Vec::new()));
    payload
}

fn xml(body: &str) -> Vec<u8> {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<plist version=\"1.0\"><dict>\
         <key>CFBundleIdentifier</key><string>com.example.hostile</string>\
         <key>CFBundleVersion</key><string>1</string>\
         <key>BAManifestURL</key><string>http://127.0.0.1:9/m.json</string>\
         <key>Payload</key>{body}</dict></plist>\n"
    )
    .into_bytes()
}

fn nested_xml(levels: usize) -> Vec<u8> {
    xml(&format!(
        "{}{}",
        "<array>".repeat(levels),
        "</array>".repeat(levels)
    ))
}

/// A hostile plist and what `App::parse` must report after naming the input, exactly or
/// (ending in `…`) as a prefix.
pub struct Case {
    pub file: &'static str,
    pub bytes: Vec<u8>,
    pub problem: &'static str,
}

const VALUES: &str = "expands to more than 100000 values (each reference of a binary plist counted again), the most a property list may hold";
const TEXT: &str = "expands to more than 4194304 bytes of strings and data (each reference of a binary plist counted again), the most a property list may hold";
const DEPTH: &str =
    "nests arrays and dictionaries more than 32 levels deep, the most a property list may";
const NOT_A_PLIST: &str = "not a property list: …";

/// The small cases, kept as fixtures.
pub fn small_cases() -> Vec<Case> {
    let case = |file, bytes, problem| Case {
        file,
        bytes,
        problem,
    };
    let laughs = format!(
        "<?xml version=\"1.0\"?>\n<!DOCTYPE plist [\n<!ENTITY a \"aaaaaaaaaa\">\n{}]>\n\
         <plist version=\"1.0\"><dict><key>CFBundleIdentifier</key><string>&j;</string></dict></plist>\n",
        (b'b'..=b'j')
            .map(|c| format!(
                "<!ENTITY {} \"{}\">\n",
                c as char,
                format!("&{};", (c - 1) as char).repeat(10)
            ))
            .collect::<String>()
    );
    vec![
        case(
            "reference-bomb.bplist",
            info_plist(fan_out(16, 16, Obj::True), None),
            VALUES,
        ),
        case(
            "text-bomb.bplist",
            info_plist(fan_out(4, 16, Obj::Str("x".repeat(1000))), None),
            TEXT,
        ),
        case("deep-33.bplist", info_plist(chain(32), None), DEPTH),
        case("deep-33.xml", nested_xml(32), DEPTH),
        case(
            "cycle.bplist",
            info_plist(vec![Obj::Array(vec![7])], None),
            NOT_A_PLIST,
        ),
        case(
            "claimed-array-length.bplist",
            info_plist(vec![Obj::Claimed(1 << 40)], None),
            NOT_A_PLIST,
        ),
        case(
            "claimed-object-count.bplist",
            info_plist(vec![Obj::True], Some(1 << 40)),
            NOT_A_PLIST,
        ),
        case(
            "integer-key.bplist",
            bplist(&[Obj::Dict(vec![(1, 2)]), Obj::Int(7), Obj::True], None),
            "not a property list: a dictionary key is not a string",
        ),
        // The reader expands no entity of a DTD: the reference reads as nothing.
        case(
            "entity-expansion.xml",
            laughs.into_bytes(),
            "field `CFBundleIdentifier`: is empty",
        ),
    ]
}

/// The large cases, made at test time.
pub fn large_cases() -> Vec<Case> {
    let mut oversized = xml("<true/>");
    oversized.resize((1 << 20) + 1, b' ');
    vec![
        Case {
            file: "deep-100000.bplist",
            bytes: info_plist(chain(100_000), None),
            problem: DEPTH,
        },
        Case {
            file: "deep-60000.xml",
            bytes: nested_xml(60_000),
            problem: DEPTH,
        },
        Case {
            file: "many-values.xml",
            bytes: xml(&format!("<array>{}</array>", "<true/>".repeat(100_000))),
            problem: VALUES,
        },
        Case {
            file: "oversized.xml",
            bytes: oversized,
            problem: "is larger than the 1048576 bytes an Info.plist may have: it has 1048577",
        },
    ]
}
