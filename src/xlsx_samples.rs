//! Workbooks built from their XML parts, for the tests and the benchmark: ordinary ones and
//! the hostile ones of issue 13 (a cell at XFD1048576, a part inflating to a gibibyte, one
//! huge shared string). Built on demand, never stored: a big part is written in pieces, so
//! building a file that inflates to 1 GiB holds about a megabyte.

use std::io::{Cursor, Write};

use zip::result::ZipResult;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

/// The start of a worksheet part, up to its first child.
pub const SHEET_HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#;

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>"#;

const ROOT_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;

const WORKBOOK: &str = r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Heures" sheetId="1" r:id="rId1"/></sheets></workbook>"#;

const WORKBOOK_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#;

/// The start of the shared-string part, up to its first `<si>`.
pub const STRINGS_HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#;

/// The parts of a one-sheet workbook: `sheet` inside `<worksheet>`, `strings` inside `<sst>`
/// (no shared-string part when empty).
pub fn workbook_parts(sheet: &str, strings: &str) -> Vec<(String, Vec<u8>)> {
    let mut parts = vec![
        ("[Content_Types].xml".to_string(), CONTENT_TYPES.into()),
        ("_rels/.rels".to_string(), ROOT_RELS.into()),
        ("xl/workbook.xml".to_string(), WORKBOOK.into()),
        (
            "xl/_rels/workbook.xml.rels".to_string(),
            WORKBOOK_RELS.into(),
        ),
        (
            "xl/worksheets/sheet1.xml".to_string(),
            format!("{SHEET_HEAD}{sheet}</worksheet>").into_bytes(),
        ),
    ];
    if !strings.is_empty() {
        parts.push((
            "xl/sharedStrings.xml".to_string(),
            format!("{STRINGS_HEAD}{strings}</sst>").into_bytes(),
        ));
    }
    parts
}

fn deflated() -> SimpleFileOptions {
    SimpleFileOptions::default().compression_method(CompressionMethod::Deflated)
}

/// A zip of these parts, deflated.
pub fn zip_of(parts: &[(String, Vec<u8>)]) -> ZipResult<Vec<u8>> {
    let mut w = ZipWriter::new(Cursor::new(Vec::new()));
    for (name, content) in parts {
        w.start_file(name.as_str(), deflated())?;
        w.write_all(content)?;
    }
    Ok(w.finish()?.into_inner())
}

/// A workbook whose sheet holds `sheet_data` (the inside of `<sheetData>`).
pub fn workbook(sheet_data: &str) -> ZipResult<Vec<u8>> {
    zip_of(&workbook_parts(
        &format!("<sheetData>{sheet_data}</sheetData>"),
        "",
    ))
}

/// A workbook whose part `name` is `head`, then `filler` repeated over `size` bytes (whole
/// fillers, so a little less when `size` is not a multiple), then `tail`; the other parts are
/// those of an empty workbook.
pub fn workbook_with_big_part(
    name: &str,
    head: &str,
    filler: &str,
    size: u64,
    tail: &str,
) -> ZipResult<Vec<u8>> {
    let mut w = ZipWriter::new(Cursor::new(Vec::new()));
    let options = deflated().large_file(size >= u64::from(u32::MAX));
    for (part, content) in workbook_parts("<sheetData/>", "<si><t>placement_id</t></si>") {
        if part != name {
            w.start_file(part.as_str(), deflated())?;
            w.write_all(&content)?;
        }
    }
    w.start_file(name, options)?;
    w.write_all(head.as_bytes())?;
    let one = filler.len().max(1) as u64;
    let chunk = filler.repeat(((1 << 20) / one).max(1) as usize);
    let mut left = size;
    while left >= chunk.len() as u64 {
        w.write_all(chunk.as_bytes())?;
        left -= chunk.len() as u64;
    }
    w.write_all(filler.repeat((left / one) as usize).as_bytes())?;
    w.write_all(tail.as_bytes())?;
    Ok(w.finish()?.into_inner())
}

/// The file of the issue: about 1 KB, one cell, at XFD1048576 (calamine would allocate the
/// whole sheet: 512 GiB).
pub fn far_cell() -> ZipResult<Vec<u8>> {
    workbook(r#"<row r="1048576"><c r="XFD1048576" t="n"><v>1</v></c></row>"#)
}

/// About 1 MB inflating to `size` bytes of blanks inside the sheet.
pub fn blank_sheet(size: u64) -> ZipResult<Vec<u8>> {
    workbook_with_big_part(
        "xl/worksheets/sheet1.xml",
        &format!("{SHEET_HEAD}<sheetData><row r=\"1\">"),
        " ",
        size,
        "</row></sheetData></worksheet>",
    )
}

/// One shared string of `size` characters (a letter repeated), about size / 1000 zipped.
pub fn huge_shared_string(size: u64) -> ZipResult<Vec<u8>> {
    workbook_with_big_part(
        "xl/sharedStrings.xml",
        &format!("{STRINGS_HEAD}<si><t>"),
        "x",
        size,
        "</t></si></sst>",
    )
}

/// `n` shared strings of `chars` letters each: with 500,000 of 16 letters, the most shared
/// text a workbook may make calamine keep in memory within the limits of `xlsx_guard`.
pub fn many_strings(n: u64, chars: usize) -> ZipResult<Vec<u8>> {
    let one = format!("<si><t>{}</t></si>", "x".repeat(chars));
    workbook_with_big_part(
        "xl/sharedStrings.xml",
        STRINGS_HEAD,
        &one,
        n * one.len() as u64,
        "</sst>",
    )
}

/// A sheet part of `size` bytes made of small elements between blanks: passes the element
/// limit, stops at the part limit.
pub fn big_sheet(size: u64) -> ZipResult<Vec<u8>> {
    workbook_with_big_part(
        "xl/worksheets/sheet1.xml",
        &format!("{SHEET_HEAD}<sheetData>"),
        &format!("<x/>{}", " ".repeat(4092)),
        size,
        "</sheetData></worksheet>",
    )
}

/// A workbook of `n` empty parts besides its own (stored, not deflated): what a zip's
/// central directory costs to list.
pub fn many_parts(n: usize) -> ZipResult<Vec<u8>> {
    let mut w = ZipWriter::new(Cursor::new(Vec::new()));
    for (part, content) in workbook_parts("<sheetData/>", "") {
        w.start_file(part.as_str(), deflated())?;
        w.write_all(&content)?;
    }
    let stored = SimpleFileOptions::default().compression_method(CompressionMethod::Stored);
    for i in 0..n {
        w.start_file(format!("{i:x}"), stored)?;
    }
    Ok(w.finish()?.into_inner())
}
