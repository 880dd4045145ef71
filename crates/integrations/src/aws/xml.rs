//! Reading the XML answers of query and REST-XML services (SNS, S3): what the integrations
//! need from them is the text of a few elements (`MessageId`, `Code`, `Message`), so the
//! reader flattens a document into its text-bearing elements and their paths.

use quick_xml::escape::resolve_xml_entity;
use quick_xml::events::Event;
use quick_xml::Reader;

/// Every element that holds text, as (`/Root/Child/Leaf`, text), in document order, with
/// namespace prefixes dropped and entities resolved. A malformed document yields what was
/// read before the fault (an error answer's body is best-effort).
pub(crate) fn leaves(document: &[u8]) -> Vec<(String, String)> {
    let mut reader = Reader::from_reader(document);
    let mut path = String::new();
    let mut text = String::new();
    let mut out = Vec::new();
    loop {
        match reader.read_event() {
            Ok(Event::Start(start)) => {
                path.push('/');
                path.push_str(&String::from_utf8_lossy(start.local_name().as_ref()));
                text.clear();
            }
            Ok(Event::Text(t)) => text.push_str(&t.xml_content().unwrap_or_default()),
            Ok(Event::CData(t)) => text.push_str(&String::from_utf8_lossy(&t)),
            Ok(Event::GeneralRef(r)) => match r.resolve_char_ref() {
                Ok(Some(c)) => text.push(c),
                _ => text.push_str(resolve_xml_entity(&r.decode().unwrap_or_default()).unwrap_or_default()),
            },
            Ok(Event::End(_)) => {
                if !text.trim().is_empty() {
                    out.push((path.clone(), std::mem::take(&mut text)));
                }
                text.clear();
                path.truncate(path.rfind('/').unwrap_or(0));
            }
            Ok(Event::Eof) | Err(_) => return out,
            Ok(_) => {}
        }
    }
}

/// The text of the first element whose path ends with `/name`.
pub(crate) fn find(leaves: &[(String, String)], name: &str) -> Option<String> {
    leaves
        .iter()
        .find(|(path, _)| path.rsplit('/').next() == Some(name))
        .map(|(_, text)| text.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flattens_text_elements_with_their_paths() {
        let document = br#"<?xml version="1.0"?>
            <PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/">
              <PublishResult><MessageId>a&amp;b&#33;</MessageId></PublishResult>
              <ResponseMetadata><RequestId><![CDATA[r-1]]></RequestId></ResponseMetadata>
            </PublishResponse>"#;
        let leaves = leaves(document);
        assert_eq!(
            leaves,
            [
                ("/PublishResponse/PublishResult/MessageId".to_owned(), "a&b!".to_owned()),
                (
                    "/PublishResponse/ResponseMetadata/RequestId".to_owned(),
                    "r-1".to_owned()
                ),
            ]
        );
        assert_eq!(find(&leaves, "RequestId").as_deref(), Some("r-1"));
        assert_eq!(find(&leaves, "Id"), None);
    }
}
