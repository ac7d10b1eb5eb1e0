//! `glorycard deduct` and `glorycard cancel`: one call to the platform each.

use std::path::PathBuf;

use glorycard_core::models::{Cancellation, Deduction, Validate as _};

use crate::shared::{ConnectionArgs, Failure, client_failure, read_body};

pub(crate) fn deduct(connection: ConnectionArgs, file: Option<PathBuf>) -> Result<String, Failure> {
    let body = read_body(&file)?;
    let deduction: Deduction = glorycard_core::models::from_json(&body)?;
    deduction.validate()?;
    let client = connection.client()?;
    let ack = client.deduct(&deduction).map_err(client_failure)?;
    Ok(format!(
        "deducted {}: {}\n",
        deduction.deduction_id, ack.response_message
    ))
}

pub(crate) fn cancel(
    connection: ConnectionArgs,
    deduction_id: String,
    time: Option<String>,
) -> Result<String, Failure> {
    let client = connection.client()?;
    let cancellation = Cancellation {
        org_code: client.as_async().org_code().to_owned(),
        deduction_id,
        cancel_time: time.unwrap_or_else(|| glorycard_core::Timestamp::now().to_datetime_string()),
    };
    cancellation.validate()?;
    let ack = client.cancel(&cancellation).map_err(client_failure)?;
    Ok(format!(
        "cancelled {}: {}\n",
        cancellation.deduction_id, ack.response_message
    ))
}
