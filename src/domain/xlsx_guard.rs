//! Checks an uploaded XLSX workbook before calamine reads it (issue 13).
//!
//! An XLSX file is a zip of XML parts, and a small one can describe something huge: a cell at
//! XFD1048576 (calamine would allocate the whole 16,384 × 1,048,576 range), a part that
//! inflates from 1 MB to 1 GiB, a string of a billion characters, millions of tiny records.
//! `check` reads every part of the zip once, streaming: it counts the bytes while inflating
//! (never trusting the sizes the zip declares) and parses the parts calamine reads as XML with
//! the same reader and settings calamine uses, so it sees what calamine would see, and refuses
//! the file at the first limit passed, before anything is kept in memory. What it keeps is a
//! few counters; its buffers never exceed one XML element (`max_element_bytes`).
//!
//! The parts calamine reads for an import are `xl/workbook.xml`, its relationships,
//! `xl/sharedStrings.xml`, `xl/styles.xml` and the first sheet, which must lie under
//! `xl/worksheets/` (or `chartsheets/`, `dialogsheets/`); names match whatever the case and
//! with `\` for `/`, as calamine matches them. Those parts are parsed; every other part
//! (pictures, printer settings, embedded objects) is only inflated and counted.
//!
//! The cells calamine then returns are checked again as they stream (see
//! `domain::hours::parse_hours_xlsx`), so the range limit holds even where the position of a
//! cell comes from counting rather than from its `r` attribute.

use std::io::{BufReader, Cursor, Read};

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use crate::domain::rule::Violation;

const MIB: u64 = 1024 * 1024;

/// What an upload may contain. `Default` gives the limits of the service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct XlsxLimits {
    /// Rows of a sheet (1 to `max_rows`), declared or used.
    pub max_rows: u32,
    /// Columns of a sheet (A to the `max_columns`-th), declared or used.
    pub max_columns: u32,
    /// Bytes of one part once inflated.
    pub max_part_bytes: u64,
    /// Bytes of all the parts once inflated.
    pub max_total_bytes: u64,
    /// Characters of one string (a cell, a shared string, a name, an attribute): Excel's own
    /// limit for a cell is 32,767.
    pub max_string_chars: usize,
    /// Bytes of one XML element, text run, comment or declaration: what a parser holds at once.
    pub max_element_bytes: u64,
    /// Attributes of one element (Excel writes at most about twenty).
    pub max_attributes: usize,
    /// Entries of the shared-string table, which calamine keeps whole in memory.
    pub max_shared_strings: usize,
    /// Characters of all the shared strings together (the rest of that memory).
    pub max_shared_chars: usize,
    /// Records of each other kind calamine keeps in memory: cell styles, number formats,
    /// relationships, defined names, sheets.
    pub max_records: usize,
    /// Parts (files) in the zip.
    pub max_parts: usize,
}

impl Default for XlsxLimits {
    fn default() -> Self {
        XlsxLimits {
            max_rows: 100_000,
            max_columns: 50,
            max_part_bytes: 100 * MIB,
            max_total_bytes: 256 * MIB,
            max_string_chars: 32_767,
            max_element_bytes: MIB,
            max_attributes: 256,
            max_shared_strings: 500_000,
            max_shared_chars: 8_000_000,
            max_records: 100_000,
            max_parts: 10_000,
        }
    }
}

/// Why a workbook is refused. `message` says it in French for the person who sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Not a zip, or a zip this service cannot read (encrypted, unknown compression, damaged).
    Unreadable,
    /// An Excel 97-2003 workbook, or an XLSX protected by a password (both are OLE files).
    OleFile,
    TooManyParts {
        limit: usize,
    },
    PartTooLarge {
        limit_mib: u64,
    },
    TotalTooLarge {
        limit_mib: u64,
    },
    /// `<dimension ref>` declares a range past the limits.
    DeclaredRange {
        range: String,
        rows: u32,
        columns: u32,
    },
    /// A cell lies past the limits (`cell` as a spreadsheet names it).
    CellOutside {
        cell: String,
        rows: u32,
        columns: u32,
    },
    StringTooLong {
        limit: usize,
    },
    ElementTooLarge {
        limit_mib: u64,
    },
    TooManyAttributes {
        limit: usize,
    },
    TooManySharedStrings {
        limit: usize,
    },
    SharedTextTooLong {
        limit: usize,
    },
    TooManyRecords {
        limit: usize,
    },
}

impl Refusal {
    /// The refusal as a broken rule of the `file` field: a stable code and the values its
    /// message needs (rendered at the HTTP edge, `api::messages`).
    pub fn violation(&self) -> Violation {
        let file = |code| Violation::new("file", code);
        match self {
            Refusal::Unreadable => file("xlsx_archive_unreadable"),
            Refusal::OleFile => file("xlsx_ole_file"),
            Refusal::TooManyParts { limit } => file("xlsx_too_many_parts").with("limit", limit),
            Refusal::PartTooLarge { limit_mib } => {
                file("xlsx_part_too_large").with("limit_mib", limit_mib)
            }
            Refusal::TotalTooLarge { limit_mib } => {
                file("xlsx_total_too_large").with("limit_mib", limit_mib)
            }
            Refusal::DeclaredRange {
                range,
                rows,
                columns,
            } => file("xlsx_declared_range")
                .with("range", super::hours::excerpt(range))
                .with("rows", rows)
                .with("columns", columns)
                .with(
                    "last_cell",
                    cell_name(rows.saturating_sub(1), columns.saturating_sub(1)),
                ),
            Refusal::CellOutside {
                cell,
                rows,
                columns,
            } => file("xlsx_cell_outside")
                .with("cell", super::hours::excerpt(cell))
                .with("rows", rows)
                .with("columns", columns)
                .with(
                    "last_cell",
                    cell_name(rows.saturating_sub(1), columns.saturating_sub(1)),
                ),
            Refusal::StringTooLong { limit } => file("xlsx_string_too_long").with("limit", limit),
            Refusal::ElementTooLarge { limit_mib } => {
                file("xlsx_element_too_large").with("limit_mib", limit_mib)
            }
            Refusal::TooManyAttributes { limit } => {
                file("xlsx_too_many_attributes").with("limit", limit)
            }
            Refusal::TooManySharedStrings { limit } => {
                file("xlsx_too_many_shared_strings").with("limit", limit)
            }
            Refusal::SharedTextTooLong { limit } => {
                file("xlsx_shared_text_too_long").with("limit", limit)
            }
            Refusal::TooManyRecords { limit } => file("xlsx_too_many_records").with("limit", limit),
        }
    }
}

/// The name of a cell from its 0-based row and column: (0, 0) -> A1, (99999, 49) -> AX100000.
pub fn cell_name(row: u32, column: u32) -> String {
    let mut letters = Vec::new();
    let mut c = u64::from(column) + 1;
    while c > 0 {
        let rem = ((c - 1) % 26) as u8;
        letters.push(b'A' + rem);
        c = (c - 1) / 26;
    }
    letters.reverse();
    format!(
        "{}{}",
        String::from_utf8_lossy(&letters),
        u64::from(row) + 1
    )
}

/// A cell reference read as calamine reads it (`get_row_column`: digits from the end, then
/// letters, either case), but without overflow: 0-based (row, column), `column` None when the
/// reference has no letters. `Err(Overflow)` for a reference past any `u32`; `Err(Invalid)` for
/// one calamine refuses too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RefError {
    Invalid,
    Overflow,
}

fn parse_ref(reference: &[u8]) -> Result<(u32, Option<u32>), RefError> {
    let (mut row, mut col) = (0u64, 0u64);
    let mut pow = 1u64;
    let mut reading_row = true;
    // u32 positions: any value past u32::MAX (or a power of ten or 26 that large) overflows.
    let cap = u64::from(u32::MAX) + 1;
    for &c in reference.iter().rev() {
        match c {
            b'0'..=b'9' if reading_row => {
                if pow >= cap {
                    // Calamine would overflow here even on a leading zero.
                    return Err(RefError::Overflow);
                }
                row += u64::from(c - b'0') * pow;
                pow *= 10;
                if row >= cap {
                    return Err(RefError::Overflow);
                }
            }
            b'0'..=b'9' => return Err(RefError::Invalid),
            b'A'..=b'Z' | b'a'..=b'z' => {
                if reading_row {
                    if row == 0 {
                        return Err(RefError::Invalid);
                    }
                    pow = 1;
                    reading_row = false;
                }
                if pow >= cap {
                    return Err(RefError::Overflow);
                }
                let letter = u64::from(c.to_ascii_uppercase() - b'A') + 1;
                col += letter * pow;
                pow *= 26;
                if col >= cap {
                    return Err(RefError::Overflow);
                }
            }
            _ => return Err(RefError::Invalid),
        }
    }
    if row == 0 {
        return Err(RefError::Invalid);
    }
    // Both values are below 2^32 here.
    let row = u32::try_from(row - 1).map_err(|_| RefError::Overflow)?;
    let col = match col {
        0 => None,
        c => Some(u32::try_from(c - 1).map_err(|_| RefError::Overflow)?),
    };
    Ok((row, col))
}

/// Counts what is read from one part: its bytes, the bytes of every part so far, and the bytes
/// since the XML reader last returned an event (the most it may be holding).
struct Metered<R> {
    inner: R,
    part: u64,
    total: u64,
    since_event: u64,
    limits: XlsxLimits,
    /// Whether `since_event` is watched (parts parsed as XML).
    watch_elements: bool,
    /// The limit that stopped reading, when one did.
    tripped: Option<Refusal>,
}

impl<R: Read> Metered<R> {
    fn new(inner: R, total_so_far: u64, limits: XlsxLimits, watch_elements: bool) -> Self {
        Metered {
            inner,
            part: 0,
            total: total_so_far,
            since_event: 0,
            limits,
            watch_elements,
            tripped: None,
        }
    }

    fn trip(&mut self, refusal: Refusal) -> std::io::Error {
        self.tripped = Some(refusal);
        std::io::Error::other("limit of the upload check reached")
    }
}

impl<R: Read> Read for Metered<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if let Some(r) = &self.tripped {
            let r = r.clone();
            return Err(self.trip(r));
        }
        let n = self.inner.read(buf)?;
        let n64 = n as u64;
        self.part += n64;
        self.total += n64;
        self.since_event += n64;
        let l = self.limits;
        if self.part > l.max_part_bytes {
            return Err(self.trip(Refusal::PartTooLarge {
                limit_mib: l.max_part_bytes / MIB,
            }));
        }
        if self.total > l.max_total_bytes {
            return Err(self.trip(Refusal::TotalTooLarge {
                limit_mib: l.max_total_bytes / MIB,
            }));
        }
        if self.watch_elements && self.since_event > l.max_element_bytes {
            return Err(self.trip(Refusal::ElementTooLarge {
                limit_mib: l.max_element_bytes / MIB,
            }));
        }
        Ok(n)
    }
}

/// Whether calamine may parse a part of this name as XML for an import.
fn parsed_as_xml(name: &str) -> bool {
    let name = name.replace('\\', "/").to_ascii_lowercase();
    matches!(
        name.as_str(),
        "xl/workbook.xml" | "xl/_rels/workbook.xml.rels" | "xl/sharedstrings.xml" | "xl/styles.xml"
    ) || ["xl/worksheets/", "xl/chartsheets/", "xl/dialogsheets/"]
        .iter()
        .any(|p| name.starts_with(p))
}

/// Counters kept across the parts.
#[derive(Default)]
struct Totals {
    shared_strings: usize,
    shared_chars: usize,
    /// xf, numFmt, Relationship, definedName, sheet.
    records: [usize; 5],
}

const RECORDS: [&[u8]; 5] = [b"xf", b"numFmt", b"Relationship", b"definedName", b"sheet"];

/// Refuses a workbook past the limits; Ok when calamine may read it safely.
pub fn check(bytes: &[u8], limits: &XlsxLimits) -> Result<(), Refusal> {
    const OLE_MAGIC: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    if bytes.starts_with(&OLE_MAGIC) {
        return Err(Refusal::OleFile);
    }
    check_directory_ends(bytes, limits)?;
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| Refusal::Unreadable)?;
    if archive.len() > limits.max_parts {
        return Err(Refusal::TooManyParts {
            limit: limits.max_parts,
        });
    }
    let mut total = 0u64;
    let mut totals = Totals::default();
    for i in 0..archive.len() {
        let part = archive.by_index(i).map_err(|_| Refusal::Unreadable)?;
        let xml = parsed_as_xml(part.name());
        let mut metered = Metered::new(part, total, *limits, xml);
        if xml {
            let mut reader = BufReader::new(metered);
            scan_xml(&mut reader, limits, &mut totals)?;
            metered = reader.into_inner();
            // What the XML reader left (after an end or an error calamine stops at too) is
            // still inflated and counted.
            drain(&mut metered)?;
        } else {
            drain(&mut metered)?;
        }
        total = metered.total;
    }
    Ok(())
}

/// Refuses, before the zip is listed, an end record announcing more parts than allowed:
/// listing a central directory costs about 500 bytes a part, and a 20 MiB zip can announce
/// 65,535 of them (millions with zip64). The zip reader searches the whole file, from its
/// end, for an end record it can use, so every one that it could use is looked at: those
/// whose comment fits in the file. Zip64 records are refused (no workbook needs one).
fn check_directory_ends(bytes: &[u8], limits: &XlsxLimits) -> Result<(), Refusal> {
    const END: &[u8] = b"PK\x05\x06";
    const ZIP64_LOCATOR: &[u8] = b"PK\x06\x07";
    let u16_at = |i: usize| u16::from_le_bytes([bytes[i], bytes[i + 1]]);
    let too_many = Refusal::TooManyParts {
        limit: limits.max_parts,
    };
    let mut from = 0;
    while let Some(at) = bytes
        .get(from..)
        .and_then(|rest| rest.windows(END.len()).position(|w| w == END))
    {
        let o = from + at;
        from = o + 1;
        // The fixed part of the record is 22 bytes; the comment's length is its last field.
        if o + 22 > bytes.len() || o + 22 + usize::from(u16_at(o + 20)) > bytes.len() {
            continue;
        }
        let on_disk = u16_at(o + 8);
        let total = u16_at(o + 10);
        let zip64 = on_disk == u16::MAX
            || total == u16::MAX
            || bytes[o + 16..o + 20] == [0xFF; 4]
            || bytes[o + 12..o + 16] == [0xFF; 4];
        if zip64 && o >= 20 && &bytes[o - 20..o - 16] == ZIP64_LOCATOR {
            return Err(too_many);
        }
        if usize::from(on_disk.max(total)) > limits.max_parts {
            return Err(too_many);
        }
    }
    Ok(())
}

fn drain<R: Read>(metered: &mut Metered<R>) -> Result<(), Refusal> {
    metered.watch_elements = false;
    match std::io::copy(metered, &mut std::io::sink()) {
        Ok(_) => Ok(()),
        Err(_) => Err(metered.tripped.clone().unwrap_or(Refusal::Unreadable)),
    }
}

/// Where the scan is in a part, for the rules that depend on the enclosing elements.
#[derive(Default)]
struct XmlState {
    in_sheet_data: bool,
    /// Position of the next cell without `r`, as calamine counts it.
    row_index: u64,
    col_index: u64,
    /// Inside a shared or inline string (`si`, `is`): its text runs add up.
    in_string: bool,
    /// Inside a shared string (`si`): its text counts in the table's total too.
    in_shared: bool,
    /// Inside an element whose text calamine keeps (`t`, `v`, `definedName`).
    in_text: bool,
    chars: usize,
}

fn scan_xml<R: Read>(
    reader: &mut BufReader<Metered<R>>,
    limits: &XlsxLimits,
    totals: &mut Totals,
) -> Result<(), Refusal> {
    let mut xml = Reader::from_reader(reader);
    // The settings of calamine's reader, so that both see the same events.
    let config = xml.config_mut();
    config.check_end_names = false;
    config.trim_text(false);
    config.check_comments = false;
    config.expand_empty_elements = true;
    let mut state = XmlState::default();
    let mut buf = Vec::new();
    loop {
        buf.clear();
        let event = xml.read_event_into(&mut buf);
        if let Some(r) = &xml.get_ref().get_ref().tripped {
            // A text too long to hold inside a cell or a shared string is a string too long.
            return Err(match r {
                Refusal::ElementTooLarge { .. } if state.in_text => Refusal::StringTooLong {
                    limit: limits.max_string_chars,
                },
                other => other.clone(),
            });
        }
        match event {
            // Malformed XML: calamine stops at the same place with an error.
            Err(_) | Ok(Event::Eof) => return Ok(()),
            Ok(Event::Start(e)) => on_start(&e, &mut state, limits, totals)?,
            Ok(Event::End(e)) => on_end(e.local_name().as_ref(), &mut state),
            Ok(Event::Text(t)) if state.in_text => {
                add_chars(&mut state, totals, xml_chars(&t), limits)?
            }
            Ok(Event::CData(t)) if state.in_text => {
                add_chars(&mut state, totals, utf8_chars(&t), limits)?
            }
            Ok(_) => {}
        }
        xml.get_mut().get_mut().since_event = 0;
    }
}

/// Characters of UTF-8 bytes (bytes that do not continue a character).
fn utf8_chars(raw: &[u8]) -> usize {
    raw.iter().filter(|b| (**b & 0xC0) != 0x80).count()
}

/// Characters of escaped XML text once unescaped: a reference such as `&amp;` or `&#233;`
/// counts one. Counted on the bytes, without decoding or allocating.
fn xml_chars(raw: &[u8]) -> usize {
    let mut n = utf8_chars(raw);
    let mut i = 0;
    while let Some(at) = raw[i..].iter().position(|b| *b == b'&') {
        let start = i + at;
        let name = raw[start + 1..]
            .iter()
            .take(12)
            .position(|b| !(b.is_ascii_alphanumeric() || *b == b'#'));
        match name {
            Some(len) if len > 0 && raw.get(start + 1 + len) == Some(&b';') => {
                // `&`, the name, `;`: one character instead of len + 2.
                n -= len + 1;
                i = start + len + 2;
            }
            _ => i = start + 1,
        }
    }
    n
}

fn add_chars(
    state: &mut XmlState,
    totals: &mut Totals,
    n: usize,
    limits: &XlsxLimits,
) -> Result<(), Refusal> {
    state.chars = state.chars.saturating_add(n);
    if state.chars > limits.max_string_chars {
        return Err(Refusal::StringTooLong {
            limit: limits.max_string_chars,
        });
    }
    if state.in_shared {
        totals.shared_chars = totals.shared_chars.saturating_add(n);
        if totals.shared_chars > limits.max_shared_chars {
            return Err(Refusal::SharedTextTooLong {
                limit: limits.max_shared_chars,
            });
        }
    }
    Ok(())
}

fn on_start(
    e: &BytesStart,
    state: &mut XmlState,
    limits: &XlsxLimits,
    totals: &mut Totals,
) -> Result<(), Refusal> {
    let name = e.local_name();
    let name = name.as_ref();
    // Attributes: how many, how long, and the references calamine reads.
    let mut r_attr: Option<Vec<u8>> = None;
    let mut ref_attr: Option<Vec<u8>> = None;
    let mut count = 0usize;
    let mut attributes = e.attributes();
    attributes.with_checks(false);
    for a in attributes {
        let Ok(a) = a else { break };
        count += 1;
        if count > limits.max_attributes {
            return Err(Refusal::TooManyAttributes {
                limit: limits.max_attributes,
            });
        }
        if xml_chars(&a.value) > limits.max_string_chars {
            return Err(Refusal::StringTooLong {
                limit: limits.max_string_chars,
            });
        }
        match a.key.as_ref() {
            b"r" => r_attr = Some(a.value.to_vec()),
            b"ref" => ref_attr = Some(a.value.to_vec()),
            _ => {}
        }
    }
    match name {
        b"dimension" => {
            if let Some(range) = ref_attr {
                check_dimension(&range, limits)?;
            }
        }
        b"sheetData" => {
            state.in_sheet_data = true;
            state.row_index = 0;
            state.col_index = 0;
        }
        b"row" if state.in_sheet_data => {
            if let Some(r) = r_attr {
                match parse_ref(&r) {
                    Ok((row, _)) => state.row_index = u64::from(row),
                    Err(RefError::Overflow) => return Err(outside(&r, limits)),
                    Err(RefError::Invalid) => {}
                }
            }
        }
        b"c" if state.in_sheet_data => {
            let (row, col) = match r_attr {
                Some(r) => match parse_ref(&r) {
                    Ok((row, Some(col))) => {
                        state.col_index = u64::from(col);
                        (u64::from(row), u64::from(col))
                    }
                    Ok((_, None)) | Err(RefError::Invalid) => (state.row_index, state.col_index),
                    Err(RefError::Overflow) => return Err(outside(&r, limits)),
                },
                None => (state.row_index, state.col_index),
            };
            if row >= u64::from(limits.max_rows) || col >= u64::from(limits.max_columns) {
                let name = match (u32::try_from(row), u32::try_from(col)) {
                    (Ok(r), Ok(c)) => cell_name(r, c),
                    _ => format!("de la ligne {}", row.saturating_add(1)),
                };
                return Err(Refusal::CellOutside {
                    cell: name,
                    rows: limits.max_rows,
                    columns: limits.max_columns,
                });
            }
        }
        b"si" => {
            totals.shared_strings += 1;
            if totals.shared_strings > limits.max_shared_strings {
                return Err(Refusal::TooManySharedStrings {
                    limit: limits.max_shared_strings,
                });
            }
            state.in_string = true;
            state.in_shared = true;
            state.chars = 0;
        }
        b"is" => {
            state.in_string = true;
            state.chars = 0;
        }
        _ => {}
    }
    if let Some(i) = RECORDS.iter().position(|r| *r == name) {
        totals.records[i] += 1;
        if totals.records[i] > limits.max_records {
            return Err(Refusal::TooManyRecords {
                limit: limits.max_records,
            });
        }
    }
    if matches!(name, b"t" | b"v" | b"definedName") {
        if !state.in_string {
            state.chars = 0;
        }
        state.in_text = true;
    }
    Ok(())
}

fn on_end(name: &[u8], state: &mut XmlState) {
    match name {
        b"sheetData" => state.in_sheet_data = false,
        b"row" if state.in_sheet_data => {
            state.row_index = state.row_index.saturating_add(1);
            state.col_index = 0;
        }
        b"c" if state.in_sheet_data => state.col_index = state.col_index.saturating_add(1),
        b"si" | b"is" => {
            state.in_string = false;
            state.in_shared = false;
        }
        b"t" | b"v" | b"definedName" => state.in_text = false,
        _ => {}
    }
}

fn outside(reference: &[u8], limits: &XlsxLimits) -> Refusal {
    Refusal::CellOutside {
        cell: String::from_utf8_lossy(reference).into_owned(),
        rows: limits.max_rows,
        columns: limits.max_columns,
    }
}

fn check_dimension(range: &[u8], limits: &XlsxLimits) -> Result<(), Refusal> {
    let refused = || Refusal::DeclaredRange {
        range: String::from_utf8_lossy(range).into_owned(),
        rows: limits.max_rows,
        columns: limits.max_columns,
    };
    for corner in range.split(|c| *c == b':') {
        match parse_ref(corner) {
            Ok((row, col)) => {
                if row >= limits.max_rows || col.is_some_and(|c| c >= limits.max_columns) {
                    return Err(refused());
                }
            }
            Err(RefError::Overflow) => return Err(refused()),
            // Calamine refuses the sheet itself.
            Err(RefError::Invalid) => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xlsx_samples::{self as samples, workbook_parts};

    fn workbook(sheet_data: &str) -> Vec<u8> {
        samples::workbook(sheet_data).unwrap()
    }

    fn zip_of(parts: &[(String, Vec<u8>)]) -> Vec<u8> {
        samples::zip_of(parts).unwrap()
    }

    /// The sentence a person reads for a refusal, as the HTTP edge renders it.
    fn message(refusal: &Refusal) -> String {
        crate::api::messages::render(&refusal.violation())
    }

    /// The zip with every entry declaring one byte uncompressed, in its local header and in
    /// the central directory.
    fn declare_sizes_of_one_byte(mut zip: Vec<u8>) -> Vec<u8> {
        let u16_at = |z: &[u8], i: usize| u16::from_le_bytes([z[i], z[i + 1]]) as usize;
        let u32_at =
            |z: &[u8], i: usize| u32::from_le_bytes([z[i], z[i + 1], z[i + 2], z[i + 3]]) as usize;
        let eocd = zip.len() - 22;
        assert_eq!(
            u32_at(&zip, eocd),
            0x0605_4b50,
            "no comment after the directory"
        );
        let entries = u16_at(&zip, eocd + 10);
        let mut at = u32_at(&zip, eocd + 16);
        for _ in 0..entries {
            assert_eq!(u32_at(&zip, at), 0x0201_4b50);
            let local = u32_at(&zip, at + 42);
            assert_eq!(u32_at(&zip, local), 0x0403_4b50);
            zip[at + 24..at + 28].copy_from_slice(&1u32.to_le_bytes());
            zip[local + 22..local + 26].copy_from_slice(&1u32.to_le_bytes());
            at += 46 + u16_at(&zip, at + 28) + u16_at(&zip, at + 30) + u16_at(&zip, at + 32);
        }
        zip
    }

    fn small() -> XlsxLimits {
        XlsxLimits {
            max_rows: 10,
            max_columns: 4,
            max_part_bytes: 64 * 1024,
            max_total_bytes: 100 * 1024,
            max_string_chars: 200,
            max_element_bytes: 16 * 1024,
            max_attributes: 8,
            max_shared_strings: 3,
            max_shared_chars: 500,
            max_records: 3,
            max_parts: 12,
        }
    }

    fn checked(bytes: &[u8]) -> Result<(), Refusal> {
        check(bytes, &XlsxLimits::default())
    }

    #[test]
    fn references_read_like_calamine_without_overflow() {
        assert_eq!(parse_ref(b"A1"), Ok((0, Some(0))));
        assert_eq!(parse_ref(b"ax100000"), Ok((99_999, Some(49))));
        assert_eq!(parse_ref(b"XFD1048576"), Ok((1_048_575, Some(16_383))));
        assert_eq!(parse_ref(b"17"), Ok((16, None)));
        assert_eq!(parse_ref(b"A"), Err(RefError::Invalid));
        assert_eq!(parse_ref(b"A0"), Err(RefError::Invalid));
        assert_eq!(parse_ref(b"1A"), Err(RefError::Invalid));
        assert_eq!(parse_ref(b"A-1"), Err(RefError::Invalid));
        assert_eq!(parse_ref(b"A4294967296"), Err(RefError::Overflow));
        assert_eq!(parse_ref(b"A0000000000001"), Err(RefError::Overflow));
        assert_eq!(parse_ref(b"ZZZZZZZZ1"), Err(RefError::Overflow));
        assert_eq!(cell_name(0, 0), "A1");
        assert_eq!(cell_name(99_999, 49), "AX100000");
        assert_eq!(cell_name(1_048_575, 16_383), "XFD1048576");
    }

    #[test]
    fn characters_are_counted_as_unescaped() {
        assert_eq!(xml_chars(b"abc"), 3);
        assert_eq!(xml_chars("été".as_bytes()), 3);
        assert_eq!(xml_chars(b"a&amp;b&#233;&#x1F477;"), 5);
        // Not references: counted as written.
        assert_eq!(xml_chars(b"a & b"), 5);
        assert_eq!(xml_chars(b"&;"), 2);
        assert_eq!(xml_chars(b"&verylongnameindeed;"), 20);
        assert_eq!(utf8_chars("👷x".as_bytes()), 2);
    }

    #[test]
    fn an_ordinary_workbook_passes() {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        for (c, h) in ["placement_id", "month", "work_hours", "training_hours"]
            .iter()
            .enumerate()
        {
            sheet.write_string(0, c as u16, *h).unwrap();
        }
        sheet.write_number(99_999, 49, 1.0).unwrap();
        sheet.write_string(5, 1, "é".repeat(32_767)).unwrap();
        let bytes = book.save_to_buffer().unwrap();
        assert_eq!(checked(&bytes), Ok(()));
        assert_eq!(
            checked(&workbook(r#"<row r="1"><c r="A1"><v>1</v></c></row>"#)),
            Ok(())
        );
    }

    #[test]
    fn a_cell_at_xfd1048576_is_refused() {
        // The file of the issue: 1.9 KB, one cell, calamine asked for 512 GiB.
        let bytes = samples::far_cell().unwrap();
        assert!(bytes.len() < 4096);
        let refusal = checked(&bytes).unwrap_err();
        assert_eq!(
            refusal,
            Refusal::CellOutside {
                cell: "XFD1048576".into(),
                rows: 100_000,
                columns: 50
            }
        );
        assert_eq!(
            message(&refusal),
            "la feuille utilise la cellule XFD1048576, au-delà des limites d'un import \
             (100\u{202f}000 lignes, 50 colonnes : jusqu'à AX100000) ; supprimez les lignes et \
             colonnes inutiles ou copiez les données dans un nouveau classeur"
        );
        // Just inside the limits, and one past each.
        assert_eq!(
            checked(&workbook(r#"<row><c r="AX100000"><v>1</v></c></row>"#)),
            Ok(())
        );
        for cell in ["AY1", "A100001", "a100001", "A99999999999999999999"] {
            let data = format!(r#"<row><c r="{cell}"><v>1</v></c></row>"#);
            assert!(
                matches!(checked(&workbook(&data)), Err(Refusal::CellOutside { .. })),
                "{cell}"
            );
        }
    }

    #[test]
    fn positions_without_references_are_counted_as_calamine_counts_them() {
        let l = small();
        // Four cells fill columns A to D; a fifth without `r` is in E.
        let row = |n: usize| format!("<row>{}</row>", "<c><v>1</v></c>".repeat(n));
        assert_eq!(check(&workbook(&row(4)), &l), Ok(()));
        assert_eq!(
            check(&workbook(&row(5)), &l),
            Err(Refusal::CellOutside {
                cell: "E1".into(),
                rows: 10,
                columns: 4
            })
        );
        // Ten rows without `r` fit, the eleventh does not.
        assert_eq!(check(&workbook(&row(1).repeat(10)), &l), Ok(()));
        assert!(matches!(
            check(&workbook(&row(1).repeat(11)), &l),
            Err(Refusal::CellOutside { cell, .. }) if cell == "A11"
        ));
        // A row number, then cells counted from a cell reference.
        let data = r#"<row r="10"><c r="C10"><v>1</v></c><c><v>1</v></c><c><v>1</v></c></row>"#;
        assert!(matches!(
            check(&workbook(data), &l),
            Err(Refusal::CellOutside { cell, .. }) if cell == "E10"
        ));
        let data = r#"<row r="11"><c><v>1</v></c></row>"#;
        assert!(matches!(
            check(&workbook(data), &l),
            Err(Refusal::CellOutside { cell, .. }) if cell == "A11"
        ));
        // A row number past any u32.
        let data = r#"<row r="99999999999"><c><v>1</v></c></row>"#;
        assert!(matches!(
            check(&workbook(data), &l),
            Err(Refusal::CellOutside { .. })
        ));
    }

    #[test]
    fn a_declared_range_past_the_limits_is_refused() {
        let sheet = |dim: &str| {
            zip_of(&workbook_parts(
                &format!(r#"<dimension ref="{dim}"/><sheetData/>"#),
                "",
            ))
        };
        assert_eq!(checked(&sheet("A1:AX100000")), Ok(()));
        assert_eq!(checked(&sheet("B2")), Ok(()));
        let refusal = checked(&sheet("A1:XFD1048576")).unwrap_err();
        assert_eq!(
            refusal,
            Refusal::DeclaredRange {
                range: "A1:XFD1048576".into(),
                rows: 100_000,
                columns: 50
            }
        );
        assert!(message(&refusal).starts_with("la feuille déclare la plage A1:XFD1048576"));
        assert!(checked(&sheet("A1:AY1")).is_err());
        assert!(checked(&sheet("A100001")).is_err());
        assert!(checked(&sheet("A1:A99999999999")).is_err());
    }

    #[test]
    fn a_part_inflating_past_its_limit_is_refused_while_inflating() {
        let l = small();
        let body = "<x/>".repeat(20_000); // 80 KB
        assert_eq!(
            check(&workbook(&body), &l),
            Err(Refusal::PartTooLarge { limit_mib: 0 })
        );
        // The bytes are counted as they inflate, whatever sizes the zip declares.
        let lying = declare_sizes_of_one_byte(workbook(&body));
        assert_eq!(
            check(&lying, &l),
            Err(Refusal::PartTooLarge { limit_mib: 0 })
        );
        assert_eq!(check(&declare_sizes_of_one_byte(workbook("")), &l), Ok(()));
        // Parts that are not parsed are counted too.
        let mut parts = workbook_parts("<sheetData/>", "");
        parts.push(("xl/media/image1.png".into(), vec![0u8; 70 * 1024]));
        assert!(matches!(
            check(&zip_of(&parts), &l),
            Err(Refusal::PartTooLarge { .. })
        ));
        // And the parts together.
        let mut parts = workbook_parts("<sheetData/>", "");
        parts.push(("xl/media/image1.png".into(), vec![0u8; 60 * 1024]));
        parts.push(("xl/media/image2.png".into(), vec![0u8; 60 * 1024]));
        assert!(matches!(
            check(&zip_of(&parts), &l),
            Err(Refusal::TotalTooLarge { .. })
        ));
    }

    /// A workbook with an empty sheet and these shared strings.
    fn with_shared_strings(shared_strings: &str) -> Vec<u8> {
        zip_of(&workbook_parts("<sheetData/>", shared_strings))
    }

    /// Checks with the service's limits a sample that stays under 2 MiB zipped.
    fn checked_small_sample(bytes: Vec<u8>) -> Result<(), Refusal> {
        assert!(bytes.len() < 2 << 20, "{}", bytes.len());
        checked(&bytes)
    }

    #[test]
    fn a_gibibyte_of_whitespace_stops_at_the_first_mebibyte() {
        // ~1 MB of zip inflating to 1 GiB of blanks between two tags of the sheet.
        let refusal = checked_small_sample(samples::blank_sheet(1 << 30).unwrap());
        assert_eq!(refusal, Err(Refusal::ElementTooLarge { limit_mib: 1 }));
    }

    #[test]
    fn a_part_of_many_small_elements_stops_at_100_mib() {
        let bytes = samples::big_sheet(101 << 20).unwrap();
        assert_eq!(
            checked(&bytes),
            Err(Refusal::PartTooLarge { limit_mib: 100 })
        );
    }

    #[test]
    fn a_huge_shared_string_is_refused() {
        let strings = with_shared_strings;
        let l = small();
        let si = |s: &str| strings(&format!("<si><t>{s}</t></si>"));
        assert_eq!(check(&si(&"é".repeat(200)), &l), Ok(()));
        assert_eq!(
            check(&si(&"é".repeat(201)), &l),
            Err(Refusal::StringTooLong { limit: 200 })
        );
        // References count as one character each.
        assert_eq!(check(&si(&"&amp;&#233;".repeat(100)), &l), Ok(()));
        assert!(check(&si(&"&amp;&#233;".repeat(101)), &l).is_err());
        // Runs of rich text add up; CDATA counts.
        let x100 = "x".repeat(100);
        let rich = format!("<si><r><t>{x100}</t></r><r><t>{x100}</t></r><r><t>x</t></r></si>");
        assert!(check(&strings(&rich), &l).is_err());
        let rich = format!("<si><r><t>{x100}</t></r><r><t>{x100}</t></r></si>");
        assert_eq!(check(&strings(&rich), &l), Ok(()));
        let cdata = format!("<si><t><![CDATA[{}]]></t></si>", "x".repeat(201));
        assert!(check(&strings(&cdata), &l).is_err());
        // Inline strings and values in the sheet.
        let x201 = "x".repeat(201);
        let inline = format!(r#"<row><c t="inlineStr"><is><t>{x201}</t></is></c></row>"#);
        assert!(check(&workbook(&inline), &l).is_err());
        let value = format!(r#"<row><c t="str"><v>{x201}</v></c></row>"#);
        assert!(check(&workbook(&value), &l).is_err());
        // An attribute value (a sheet name, a number format).
        let attribute = format!(r#"<row spans="{x201}"><c><v>1</v></c></row>"#);
        assert!(check(&workbook(&attribute), &l).is_err());
        // With the service's limits: 32,767 characters pass, one more does not, and one huge
        // string of blanks stops before it is read whole.
        let s = format!("<si><t>{}</t></si>", "x".repeat(32_767));
        assert_eq!(checked(&strings(&s)), Ok(()));
        let s = format!("<si><t>{}</t></si>", "x".repeat(32_768));
        let refusal = checked(&strings(&s)).unwrap_err();
        assert_eq!(
            message(&refusal),
            "le classeur contient un texte de plus de 32\u{202f}767 caractères, la limite \
             d'une cellule d'Excel"
        );
        let huge = checked_small_sample(samples::huge_shared_string(512 << 20).unwrap());
        assert_eq!(huge, Err(Refusal::StringTooLong { limit: 32_767 }));
    }

    #[test]
    fn records_and_shared_strings_are_counted() {
        let l = small();
        let strings = |n: usize| with_shared_strings(&"<si><t>a</t></si>".repeat(n));
        assert_eq!(check(&strings(3), &l), Ok(()));
        assert_eq!(
            check(&strings(4), &l),
            Err(Refusal::TooManySharedStrings { limit: 3 })
        );
        let mut parts = workbook_parts("<sheetData/>", "");
        parts.push((
            "xl/styles.xml".into(),
            format!(
                "<styleSheet><cellXfs>{}</cellXfs></styleSheet>",
                "<xf/>".repeat(4)
            )
            .into_bytes(),
        ));
        assert_eq!(
            check(&zip_of(&parts), &l),
            Err(Refusal::TooManyRecords { limit: 3 })
        );
        let attributes = r#"<row a="1" b="1" c="1" d="1" e="1" f="1" g="1" h="1" i="1"/>"#;
        assert_eq!(
            check(&workbook(attributes), &l),
            Err(Refusal::TooManyAttributes { limit: 8 })
        );
    }

    #[test]
    fn parts_are_found_whatever_their_case_and_separator() {
        let l = small();
        let mut parts = workbook_parts("<sheetData/>", "");
        parts.push((
            "XL\\Worksheets\\Other.xml".into(),
            br#"<worksheet><sheetData><row><c r="Z1"><v>1</v></c></row></sheetData></worksheet>"#
                .to_vec(),
        ));
        assert!(matches!(
            check(&zip_of(&parts), &l),
            Err(Refusal::CellOutside { .. })
        ));
        // Other parts are not parsed: a picture may hold anything.
        let mut parts = workbook_parts("<sheetData/>", "");
        parts.push((
            "xl/media/image1.png".into(),
            br#"<row><c r="Z1"><v>1</v></c></row>"#.to_vec(),
        ));
        assert_eq!(check(&zip_of(&parts), &l), Ok(()));
        assert!(parsed_as_xml("xl/sharedStrings.xml"));
        assert!(parsed_as_xml("xl/worksheets/sheet7.xml"));
        assert!(!parsed_as_xml("docProps/core.xml"));
    }

    #[test]
    fn other_files_are_unreadable() {
        assert_eq!(checked(b"not a workbook"), Err(Refusal::Unreadable));
        assert_eq!(checked(b"PK\x03\x04 broken"), Err(Refusal::Unreadable));
        let mut ole = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
        ole.resize(512, 0);
        assert_eq!(checked(&ole), Err(Refusal::OleFile));
        let l = small();
        let mut parts = workbook_parts("<sheetData/>", "");
        for i in 0..8 {
            parts.push((format!("xl/media/{i}.png"), vec![1]));
        }
        assert_eq!(
            check(&zip_of(&parts), &l),
            Err(Refusal::TooManyParts { limit: 12 })
        );
        // Refused from the end record, before the directory is listed.
        let many = samples::many_parts(13).unwrap();
        assert_eq!(
            check_directory_ends(&many, &l),
            Err(Refusal::TooManyParts { limit: 12 })
        );
        assert_eq!(check_directory_ends(&many, &XlsxLimits::default()), Ok(()));
        // An end record inside the data, as if by chance, with a comment running past the end
        // of the file: not one the zip reader could use.
        let mut parts = workbook_parts("<sheetData/>", "");
        let mut fake = b"PK\x05\x06\0\0\0\0\xff\xff\xff\xff".to_vec();
        fake.extend_from_slice(&[0; 8]);
        fake.extend_from_slice(&u16::MAX.to_le_bytes());
        fake.extend_from_slice(&[0; 100]);
        parts.push(("xl/media/image1.png".into(), fake));
        let stored = {
            let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
            let o = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Stored);
            for (name, content) in &parts {
                w.start_file(name.as_str(), o).unwrap();
                std::io::Write::write_all(&mut w, content).unwrap();
            }
            w.finish().unwrap().into_inner()
        };
        assert_eq!(checked(&stored), Ok(()));
    }

    #[test]
    fn the_text_of_all_shared_strings_is_counted() {
        let l = small();
        let strings = |n: usize| {
            let three_of_n = format!("<si><t>{}</t></si>", "x".repeat(n)).repeat(3);
            with_shared_strings(&three_of_n)
        };
        assert_eq!(check(&strings(166), &l), Ok(()));
        assert_eq!(
            check(&strings(167), &l),
            Err(Refusal::SharedTextTooLong { limit: 500 })
        );
        // Inline strings are not in the table.
        let inline = format!(
            r#"<row><c t="inlineStr"><is><t>{}</t></is></c></row>"#,
            "x".repeat(150)
        );
        assert_eq!(check(&workbook(&inline.repeat(4)), &l), Ok(()));
    }
}
