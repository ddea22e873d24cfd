//! Test helpers shared by the template crate's integration tests: the reference page's SQL examples.

/// The ```sql blocks of the reference page `../shared/spec/aws.sagemaker.images.md`, read at
/// test time so the examples are the page's own text (SELECT, INSERT required, INSERT all,
/// DELETE). The page is beside every checkout, CI's included: a missing page fails.
pub fn reference_examples() -> Vec<String> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/spec/aws.sagemaker.images.md"
    );
    let page = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("the reference page {path} is missing ({e})"));
    let mut blocks = Vec::new();
    let mut rest = page.as_str();
    while let Some(start) = rest.find("```sql\n") {
        let body = &rest[start + "```sql\n".len()..];
        let end = body.find("```").expect("closed code block");
        blocks.push(body[..end].to_string());
        rest = &body[end + 3..];
    }
    assert_eq!(blocks.len(), 4, "the reference page has four SQL examples");
    blocks
}
