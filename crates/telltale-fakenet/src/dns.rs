//! DNS: parses queries by hand and answers every name with loopback.
//!
//! Every name resolves (A → 127.0.0.1, AAAA → ::1) so that the program goes
//! on to connect and show what it would send; other types get an empty
//! NOERROR. Only the header and the question section are read (RFC 1035
//! §4.1); compression pointers never appear in a sane question and are
//! refused, as are labels over 63 bytes and names over 255.

/// Most questions read from one message (QDCOUNT is 1 in practice).
const MAX_QUESTIONS: usize = 8;

/// One question from a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Question {
    /// The name, printable ASCII kept, other bytes as `\DDD`.
    pub(crate) name: String,
    pub(crate) qtype: u16,
    /// The question's wire bytes (QNAME, QTYPE, QCLASS), echoed in the answer.
    wire: Vec<u8>,
}

/// A parsed query: its ID, flags and questions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Query {
    id: u16,
    flags: u16,
    pub(crate) questions: Vec<Question>,
}

/// Mnemonic for a query type; RFC 3597 `TYPEn` for the rest.
pub(crate) fn qtype_name(t: u16) -> String {
    let s = match t {
        1 => "A",
        2 => "NS",
        5 => "CNAME",
        6 => "SOA",
        12 => "PTR",
        15 => "MX",
        16 => "TXT",
        28 => "AAAA",
        33 => "SRV",
        255 => "ANY",
        _ => return format!("TYPE{t}"),
    };
    s.to_string()
}

fn be16(b: &[u8], at: usize) -> Option<u16> {
    let hi = *b.get(at)?;
    let lo = *b.get(at + 1)?;
    Some(u16::from_be_bytes([hi, lo]))
}

/// Parses a query; `None` when it is a response, truncated, or malformed in its first question.
pub(crate) fn parse_query(msg: &[u8]) -> Option<Query> {
    let id = be16(msg, 0)?;
    let flags = be16(msg, 2)?;
    if flags & 0x8000 != 0 {
        return None; // a response, not a query: never answer those (no loops)
    }
    let qdcount = usize::from(be16(msg, 4)?);
    let mut pos = 12;
    let mut questions = Vec::new();
    for _ in 0..qdcount.min(MAX_QUESTIONS) {
        let start = pos;
        let mut name = String::new();
        let mut wire_len = 0usize;
        loop {
            let len = usize::from(*msg.get(pos)?);
            pos += 1;
            wire_len += 1;
            if len == 0 {
                break;
            }
            if len > 63 {
                return finish(id, flags, questions); // pointer (0xC0) or reserved label type
            }
            let label = msg.get(pos..pos + len)?;
            wire_len += len;
            if wire_len > 255 {
                return finish(id, flags, questions);
            }
            if !name.is_empty() {
                name.push('.');
            }
            for &b in label {
                if b.is_ascii_graphic() && b != b'.' && b != b'\\' {
                    name.push(char::from(b));
                } else {
                    name.push_str(&format!("\\{b:03}"));
                }
            }
            pos += len;
        }
        let qtype = be16(msg, pos)?;
        be16(msg, pos + 2)?;
        pos += 4;
        questions.push(Question {
            name,
            qtype,
            wire: msg.get(start..pos)?.to_vec(),
        });
    }
    finish(id, flags, questions)
}

fn finish(id: u16, flags: u16, questions: Vec<Question>) -> Option<Query> {
    if questions.is_empty() {
        return None;
    }
    Some(Query {
        id,
        flags,
        questions,
    })
}

/// The answer to `q`: its first question echoed, with a loopback record for A/AAAA.
pub(crate) fn answer(q: &Query) -> Vec<u8> {
    let mut out = Vec::with_capacity(64);
    out.extend_from_slice(&q.id.to_be_bytes());
    // QR=1, opcode and RD copied, AA=1, RA=1, RCODE=0 (NOERROR).
    let flags = 0x8000 | (q.flags & 0x7800) | 0x0400 | (q.flags & 0x0100) | 0x0080;
    out.extend_from_slice(&flags.to_be_bytes());
    let Some(first) = q.questions.first() else {
        return out;
    };
    let rdata: &[u8] = match first.qtype {
        1 => &[127, 0, 0, 1],
        28 => &[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1],
        _ => &[],
    };
    let ancount: u16 = if rdata.is_empty() { 0 } else { 1 };
    out.extend_from_slice(&1u16.to_be_bytes());
    out.extend_from_slice(&ancount.to_be_bytes());
    out.extend_from_slice(&[0, 0, 0, 0]);
    out.extend_from_slice(&first.wire);
    if ancount == 1 {
        out.extend_from_slice(&[0xC0, 12]); // pointer to the question's name
        out.extend_from_slice(&first.qtype.to_be_bytes());
        out.extend_from_slice(&1u16.to_be_bytes()); // class IN
        out.extend_from_slice(&5u32.to_be_bytes()); // TTL 5 s
        out.extend_from_slice(&(rdata.len() as u16).to_be_bytes());
        out.extend_from_slice(rdata);
    }
    out
}

#[cfg(test)]
mod unit {
    use super::*;

    pub(crate) fn query(id: u16, name: &str, qtype: u16) -> Vec<u8> {
        let mut m = Vec::new();
        m.extend_from_slice(&id.to_be_bytes());
        m.extend_from_slice(&[0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]);
        for l in name.split('.') {
            m.push(l.len() as u8);
            m.extend_from_slice(l.as_bytes());
        }
        m.push(0);
        m.extend_from_slice(&qtype.to_be_bytes());
        m.extend_from_slice(&[0, 1]);
        m
    }

    #[test]
    fn parses_and_answers_a() {
        let q = parse_query(&query(7, "a.example.com", 1)).unwrap();
        assert_eq!(q.questions[0].name, "a.example.com");
        let a = answer(&q);
        assert_eq!(&a[0..2], &[0, 7]);
        assert_eq!(a[2] & 0x80, 0x80);
        assert_eq!(&a[a.len() - 4..], &[127, 0, 0, 1]);
    }

    #[test]
    fn malformed_is_refused_without_panic() {
        assert!(parse_query(&[]).is_none());
        assert!(parse_query(&[0; 11]).is_none());
        let mut ptr = query(1, "x.y", 1);
        ptr[12] = 0xC0;
        assert!(parse_query(&ptr).is_none());
        let long = query(1, &"a".repeat(64), 1);
        assert!(parse_query(&long).is_none());
        let mut trunc = query(1, "abc.def", 1);
        trunc.truncate(trunc.len() - 3);
        assert!(parse_query(&trunc).is_none());
        for n in 0..40 {
            let mut m = query(1, "abc.def", 28);
            m.truncate(n);
            let _ = parse_query(&m);
        }
        assert_eq!(
            parse_query(&query(1, "a\u{1}b", 16)).unwrap().questions[0].name,
            "a\\001b"
        );
        assert_eq!(qtype_name(65), "TYPE65");
    }
}
