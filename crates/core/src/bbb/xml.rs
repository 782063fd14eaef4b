//! A small, lenient XML tree over quick-xml. BBB answers are tiny, element order varies between
//! versions, metadata names are arbitrary and CDATA appears anywhere (bbb-api.md §6, §7.6), so the
//! typed readers in `response.rs` look elements up by name in this tree.

use quick_xml::events::Event;
use quick_xml::Reader;

const MAX_DEPTH: usize = 32;

/// One element: its local name, its text (CDATA and entities resolved, trimmed) and its children.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Element {
    pub name: String,
    pub text: String,
    pub children: Vec<Element>,
}

/// The body is not well-formed XML. Deliberately without detail: the body is untrusted input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MalformedXml;

impl Element {
    /// Parses a document and returns its root element.
    pub fn parse(document: &str) -> Result<Element, MalformedXml> {
        let mut reader = Reader::from_str(document);
        let mut stack: Vec<Element> = Vec::new();
        loop {
            match reader.read_event().map_err(|_| MalformedXml)? {
                Event::Start(start) => {
                    if stack.len() >= MAX_DEPTH {
                        return Err(MalformedXml);
                    }
                    stack.push(Element { name: local_name(start.local_name().as_ref())?, ..Element::default() });
                }
                Event::Empty(empty) => {
                    let element = Element { name: local_name(empty.local_name().as_ref())?, ..Element::default() };
                    match stack.last_mut() {
                        Some(parent) => parent.children.push(element),
                        None => return Ok(element),
                    }
                }
                Event::End(_) => {
                    let mut element = stack.pop().ok_or(MalformedXml)?;
                    let trimmed = element.text.trim();
                    if trimmed.len() != element.text.len() {
                        element.text = trimmed.to_owned();
                    }
                    match stack.last_mut() {
                        Some(parent) => parent.children.push(element),
                        None => return Ok(element),
                    }
                }
                Event::Text(text) => {
                    if let Some(current) = stack.last_mut() {
                        current.text.push_str(&text.decode().map_err(|_| MalformedXml)?);
                    }
                }
                Event::CData(cdata) => {
                    if let Some(current) = stack.last_mut() {
                        current.text.push_str(&cdata.decode().map_err(|_| MalformedXml)?);
                    }
                }
                Event::GeneralRef(reference) => {
                    let resolved = resolve_reference(&reference)?;
                    if let Some(current) = stack.last_mut() {
                        current.text.push(resolved);
                    }
                }
                Event::Eof => return Err(MalformedXml),
                Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
            }
        }
    }

    /// The first child with this name.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|child| child.name == name)
    }

    /// Every child with this name, in document order.
    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |child| child.name == name)
    }

    /// The text of the first child with this name, if it exists and is not empty.
    pub fn text_of(&self, name: &str) -> Option<&str> {
        self.child(name).map(|child| child.text.as_str()).filter(|text| !text.is_empty())
    }
}

fn local_name(bytes: &[u8]) -> Result<String, MalformedXml> {
    std::str::from_utf8(bytes).map(str::to_owned).map_err(|_| MalformedXml)
}

fn resolve_reference(reference: &quick_xml::events::BytesRef<'_>) -> Result<char, MalformedXml> {
    if let Some(ch) = reference.resolve_char_ref().map_err(|_| MalformedXml)? {
        return Ok(ch);
    }
    let name = reference.decode().map_err(|_| MalformedXml)?;
    quick_xml::escape::resolve_predefined_entity(&name).and_then(|s| s.chars().next()).ok_or(MalformedXml)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_cdata_and_entities_are_joined() {
        let root = Element::parse(
            "<response><name><![CDATA[Tom & Jerry]]></name><msg>a &amp; b &#233;&lt;</msg><empty/></response>",
        )
        .unwrap();
        assert_eq!(root.name, "response");
        assert_eq!(root.text_of("name"), Some("Tom & Jerry"));
        assert_eq!(root.text_of("msg"), Some("a & b é<"));
        assert!(root.child("empty").is_some());
        assert_eq!(root.text_of("empty"), None);
    }

    #[test]
    fn broken_documents_are_refused() {
        for doc in ["", "<response>", "<a></b>", "not xml at all", "<a>&bogus;</a>"] {
            assert_eq!(Element::parse(doc), Err(MalformedXml), "{doc:?}");
        }
    }

    #[test]
    fn deep_nesting_is_refused() {
        let doc = "<a>".repeat(MAX_DEPTH + 1) + &"</a>".repeat(MAX_DEPTH + 1);
        assert_eq!(Element::parse(&doc), Err(MalformedXml));
    }
}
