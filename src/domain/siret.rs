//! Placeholder until the calib branch lands.
pub fn check_identifier(identifier_type: &str, identifier: &str) -> Result<(), String> {
    let _ = (identifier_type, identifier);
    Ok(())
}
