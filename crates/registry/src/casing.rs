//! Names as users write them (snake_case) versus names as a service spells them (PascalCase,
//! camelCase): the snake form of a wire name, as the AWS CLI derives its argument names
//! (botocore's `xform_name`, which StackQL uses too), so the aliases we accept and the
//! columns we show are the ones StackQL users already write.
//!
//! The rule, applied in order to a name without `_` (one with `_` is already final):
//! a trailing run of two or more capitals and `s` (`ARNs`) becomes `_arns`; then `_` goes
//! before each capital followed by lower-case letters (`QueueUrl` → `Queue_Url`), between a
//! lower-case letter and digits (`ipv6` → `ipv_6`), and between a lower-case letter or digit
//! and a capital (`VPCId` → `VPC_Id`); then everything is lower-cased. Acronyms collapse
//! (`VPCId` → `vpc_id`), exactly as the AWS CLI's names do.

/// The snake_case form of a wire name (`QueueUrl` → `queue_url`, `VPCId` → `vpc_id`).
pub fn to_snake(name: &str) -> String {
    if name.contains('_') {
        return name.to_string();
    }
    let chars: Vec<char> = name.chars().collect();
    let chars = trailing_plural_acronym(chars);
    let chars = before_capitalised_words(&chars);
    let chars = between(
        &chars,
        |c| c.is_ascii_lowercase(),
        |c| c.is_ascii_digit(),
        true,
    );
    let chars = between(
        &chars,
        |c| c.is_ascii_lowercase() || c.is_ascii_digit(),
        |c| c.is_ascii_uppercase(),
        false,
    );
    chars.into_iter().collect::<String>().to_lowercase()
}

/// `[A-Z]{2,}s$` → `_` + its lower-case form.
fn trailing_plural_acronym(mut chars: Vec<char>) -> Vec<char> {
    if chars.last() != Some(&'s') {
        return chars;
    }
    let caps = chars[..chars.len() - 1]
        .iter()
        .rev()
        .take_while(|c| c.is_ascii_uppercase())
        .count();
    if caps < 2 {
        return chars;
    }
    let start = chars.len() - 1 - caps;
    let tail: Vec<char> = chars.split_off(start);
    chars.push('_');
    chars.extend(tail.iter().map(char::to_ascii_lowercase));
    chars
}

/// `(.)([A-Z][a-z]+)` → `$1_$2`, matches taken left to right without overlapping.
fn before_capitalised_words(chars: &[char]) -> Vec<char> {
    let mut out = Vec::with_capacity(chars.len() + 4);
    let mut i = 0;
    while i < chars.len() {
        let upper_at = i + 1;
        let lowers = chars.get(upper_at + 1..).map_or(0, |rest| {
            rest.iter().take_while(|c| c.is_ascii_lowercase()).count()
        });
        let matches = chars[i] != '\n'
            && chars.get(upper_at).is_some_and(char::is_ascii_uppercase)
            && lowers > 0;
        out.push(chars[i]);
        if matches {
            out.push('_');
            out.extend_from_slice(&chars[upper_at..upper_at + 1 + lowers]);
            i = upper_at + 1 + lowers;
        } else {
            i += 1;
        }
    }
    out
}

/// `(first)(second)` → `$1_$2` left to right; with `greedy_second`, the second part is a
/// run (`([a-z])([0-9]+)`), otherwise one character (`([a-z0-9])([A-Z])`).
fn between(
    chars: &[char],
    first: impl Fn(char) -> bool,
    second: impl Fn(char) -> bool,
    greedy_second: bool,
) -> Vec<char> {
    let mut out = Vec::with_capacity(chars.len() + 4);
    let mut i = 0;
    while i < chars.len() {
        out.push(chars[i]);
        let run = chars[i + 1..].iter().take_while(|c| second(**c)).count();
        if first(chars[i]) && run > 0 {
            let take = if greedy_second { run } else { 1 };
            out.push('_');
            out.extend_from_slice(&chars[i + 1..i + 1 + take]);
            i += 1 + take;
        } else {
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::to_snake;

    #[test]
    fn names_take_the_aws_cli_snake_form() {
        // Expected values are botocore's `xform_name` of the same names.
        for (wire, snake) in [
            ("QueueUrl", "queue_url"),
            ("VPCId", "vpc_id"),
            ("ListARNs", "list_arns"),
            ("TableName", "table_name"),
            ("SSESpecification", "sse_specification"),
            ("Ec2InstanceId", "ec_2_instance_id"),
            ("S3Key", "s3_key"),
            ("ARN", "arn"),
            ("DBInstanceIdentifier", "db_instance_identifier"),
            ("queue_url", "queue_url"),
            ("ipv6CidrBlock", "ipv_6_cidr_block"),
            ("KMSKeyId", "kms_key_id"),
            ("HTTPStatus2xx", "http_status_2xx"),
            ("ABCs", "_abcs"),
            ("IPv6Address", "i_pv_6_address"),
            ("AWSAccountIds", "aws_account_ids"),
            ("logGroupName", "log_group_name"),
            ("Type", "type"),
            ("a", "a"),
            ("", ""),
        ] {
            assert_eq!(to_snake(wire), snake, "{wire}");
        }
    }
}
