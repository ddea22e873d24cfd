//! The `table` layout rules StackQL's table writer follows, each against a table worked out
//! by hand: wrapping at 30 columns, numbers right-aligned, NULL, wide characters, empty
//! results and `-H`.

use stackql_output::{render_to_string, Cell, OutputFormat, OutputOptions, ResultSet};

fn table(columns: &[&str], rows: Vec<Vec<Cell>>, hide_headers: bool) -> String {
    let rs = ResultSet {
        columns: columns.iter().map(|c| c.to_string()).collect(),
        rows,
    };
    let opts = OutputOptions {
        format: OutputFormat::Table,
        hide_headers,
        ..OutputOptions::default()
    };
    render_to_string(&rs, &opts).unwrap()
}

#[test]
fn one_row_with_headers_centred() {
    let out = table(
        &["region", "image_arn"],
        vec![vec![
            "us-east-1".into(),
            "arn:aws:sagemaker:us-east-1:123456789012:image/demo".into(),
        ]],
        false,
    );
    assert_eq!(
        out,
        "\
|-----------|-----------------------------------------------------|
|  region   |                      image_arn                      |
|-----------|-----------------------------------------------------|
| us-east-1 | arn:aws:sagemaker:us-east-1:123456789012:image/demo |
|-----------|-----------------------------------------------------|
"
    );
}

#[test]
fn long_text_wraps_at_thirty_columns_and_the_column_is_thirty_wide() {
    // 50 columns of text: "Security group for the public" (29) then the rest, the split
    // with the least squared slack; the column is as wide as the wrap limit.
    let out = table(
        &["name", "description"],
        vec![vec![
            "web".into(),
            "Security group for the public web tier of the shop".into(),
        ]],
        false,
    );
    assert_eq!(
        out,
        "\
|------|--------------------------------|
| name |          description           |
|------|--------------------------------|
| web  | Security group for the public  |
|      | web tier of the shop           |
|------|--------------------------------|
"
    );
}

#[test]
fn a_word_wider_than_thirty_columns_stays_whole() {
    let out = table(
        &["arn", "n"],
        vec![
            vec![
                "role arn:aws:iam::123456789012:role/service-role/my-role".into(),
                Cell::Integer(1),
            ],
            vec!["short".into(), Cell::Integer(22)],
        ],
        false,
    );
    assert_eq!(
        out,
        "\
|-----------------------------------------------------|----|
|                         arn                         | n  |
|-----------------------------------------------------|----|
| role                                                |  1 |
| arn:aws:iam::123456789012:role/service-role/my-role |    |
|-----------------------------------------------------|----|
| short                                               | 22 |
|-----------------------------------------------------|----|
"
    );
}

#[test]
fn numbers_right_aligned_text_left_and_null_shown() {
    let out = table(
        &["region", "count", "ratio", "note"],
        vec![
            vec![
                "us-east-1".into(),
                Cell::Integer(12),
                Cell::Real(0.5),
                Cell::Null,
            ],
            vec![
                "eu-west-1".into(),
                Cell::Integer(-3),
                Cell::Null,
                "12 items".into(),
            ],
        ],
        false,
    );
    assert_eq!(
        out,
        "\
|-----------|-------|-------|----------|
|  region   | count | ratio |   note   |
|-----------|-------|-------|----------|
| us-east-1 |    12 |   0.5 | null     |
|-----------|-------|-------|----------|
| eu-west-1 |    -3 | null  | 12 items |
|-----------|-------|-------|----------|
"
    );
}

#[test]
fn numeric_text_is_right_aligned_line_by_line() {
    // A number stored as text aligns like a number; each printed line of a wrapped cell
    // is aligned on its own, and the filler of a shorter cell is blank.
    let out = table(
        &["id", "sizes"],
        vec![vec!["007".into(), "10\n200".into()]],
        false,
    );
    assert_eq!(
        out,
        "\
|-----|-------|
| id  | sizes |
|-----|-------|
| 007 |    10 |
|     |   200 |
|-----|-------|
"
    );
}

#[test]
fn east_asian_wide_characters_take_two_columns() {
    let out = table(
        &["city", "name"],
        vec![
            vec!["東京".into(), "Tokyo".into()],
            vec!["Zürich".into(), "チューリッヒ".into()],
        ],
        false,
    );
    assert_eq!(
        out,
        "\
|--------|--------------|
|  city  |     name     |
|--------|--------------|
| 東京   | Tokyo        |
|--------|--------------|
| Zürich | チューリッヒ |
|--------|--------------|
"
    );
}

#[test]
fn zero_rows_print_the_header_block_only() {
    let out = table(&["instance_id", "state"], vec![], false);
    assert_eq!(
        out,
        "\
|-------------|-------|
| instance_id | state |
|-------------|-------|
"
    );
    assert_eq!(table(&["instance_id", "state"], vec![], true), "");
}

#[test]
fn hidden_headers_leave_no_header_block_and_do_not_widen_columns() {
    let out = table(
        &["region", "count", "ratio", "note"],
        vec![
            vec![
                "us-east-1".into(),
                Cell::Integer(12),
                Cell::Real(0.5),
                Cell::Null,
            ],
            vec![
                "eu-west-1".into(),
                Cell::Integer(-3),
                Cell::Null,
                "12 items".into(),
            ],
        ],
        true,
    );
    assert_eq!(
        out,
        "\
|-----------|----|------|----------|
| us-east-1 | 12 |  0.5 | null     |
|-----------|----|------|----------|
| eu-west-1 | -3 | null | 12 items |
|-----------|----|------|----------|
"
    );
}
