/* iac-normalise.h - normalised resource documents (docs/iac/resource-types.md).
 *
 * After every front end ran, mmr_iac_normalise() rewrites the resources
 * that have a normalised type ("aws.s3.bucket", "aws.ec2.security_group",
 * ...) so one rule checks Terraform, CloudFormation and (later) the live
 * cloud API:
 *
 *   - the primary resource (aws_s3_bucket, AWS::S3::Bucket) gets type = the
 *     normalised type (raw_type stays as written) and a document that holds
 *     the documented normalised keys, built from its own attributes and from
 *     its satellite resources (aws_s3_bucket_versioning, ...,
 *     AWS::S3::BucketPolicy) joined by reference (resource->refs) or by an
 *     equal literal name; the source's own attributes are kept beside them
 *     where they do not collide, so rules written against the raw shape
 *     still work;
 *   - `pos` gains an entry for every normalised key that came from source
 *     text: [line_start, line_end] in the resource's file, or
 *     [line_start, line_end, "other/file.tf"] when the value came from a
 *     satellite in another file;
 *   - a value that is unknown in the source stays {"$unknown": true}; a
 *     setting that is absent takes the provider's default (documented per
 *     key); satellites stay in the set unchanged (attached() still sees
 *     them) and each primary records the satellites merged into it in
 *     refs.
 *
 * Resources with no normalised type keep type = raw_type. Idempotent: a
 * resource already normalised is skipped. Returns 0 or -ENOMEM. */
#ifndef MMR_IAC_NORMALISE_H
#define MMR_IAC_NORMALISE_H

#include "core/core-error.h"
#include "iac/iac.h"

int mmr_iac_normalise(struct mmr_iac_set *s, struct mmr_error *reterr);

/* The normalised type for a raw type ("aws_s3_bucket" -> "aws.s3.bucket"),
 * or NULL when it has none. */
const char *mmr_iac_normal_type(const char *raw_type);

#endif
