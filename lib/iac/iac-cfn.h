/* iac-cfn.h - CloudFormation (JSON and YAML) and SAM templates into
 * resource documents (struct mmr_iac_resource, see iac.h).
 *
 * Every resource of a template becomes one resource: raw_type as written
 * ("AWS::S3::Bucket"), source "cloudformation", address = logical id, doc =
 * its Properties after intrinsic functions were evaluated, pos = JSON
 * Pointer (into doc) -> [line_start, line_end] for every property.
 *
 * YAML short forms (!Ref, !GetAtt A.B, !Sub, ...) are read as their long
 * forms. Evaluated: Ref (parameters through their Default, resources and
 * most pseudo parameters -> unknown, the resource recorded in refs),
 * Fn::GetAtt (unknown + ref), Fn::Sub (both forms, ${!Literal}), Fn::Join,
 * Fn::Select, Fn::Split, Fn::FindInMap, Fn::Base64 (yields its input
 * unencoded, so rules read user data as text), Fn::GetAZs (unknown),
 * Fn::Cidr (IPv4), Fn::If/Equals/And/Or/Not with Conditions (a resource
 * whose Condition is false is left out; unknown conditions keep it),
 * Fn::ImportValue (unknown), Fn::ToJsonString, Fn::Length. AWS::NoValue
 * removes the property. AWS::Partition is "aws", AWS::URLSuffix
 * "amazonaws.com"; the other pseudo parameters are unknown. Everything left
 * unknown for a reason other than "known after deployment" goes to
 * set->unresolved. SAM: Globals (Function, Api, HttpApi, SimpleTable,
 * LayerVersion, StateMachine) are merged into the resources' Properties
 * (maps merged, lists appended, resource values win).
 *
 * Inline suppressions (resource->ignores): Metadata.checkov.skip[].id,
 * Metadata.mamori.ignore (strings "ID reason" or {id, reason}), and
 * comments "# mamori:ignore:ID reason" / trivy:ignore: / checkov:skip= /
 * tfsec:ignore: inside the resource or on the lines right above it.
 *
 * Limits: max_file_size per file, max_json_depth for nesting (YAML nodes and
 * evaluation), MMR_CFN_MAX_NODES nodes per file (alias expansion),
 * MMR_CFN_MAX_STRING bytes for a string built by Sub/Join, MMR_CFN_MAX_BUILT
 * for all of them in one template (then the value is unknown). */
#ifndef MMR_IAC_CFN_H
#define MMR_IAC_CFN_H

#include <stdbool.h>
#include <stddef.h>

#include "core/core-limits.h"
#include "iac/iac.h"

#define MMR_CFN_MAX_NODES 2000000
#define MMR_CFN_MAX_STRING (4 << 20)
#define MMR_CFN_MAX_BUILT (64 << 20) /* all strings built by Sub/Join in one template */

/* Cheap sniff on raw bytes: does this look like a CloudFormation or SAM
 * template (AWSTemplateFormatVersion, or Resources with "AWS::" types)? */
bool mmr_cfn_is_template(const void *data, size_t len);

/* Parse and evaluate one template, appending its resources to set.
 * -EBADMSG (reterr: file:line:col) on a syntax error, -EPROTO when the
 * document is not a template (no Resources mapping), -E2BIG on a limit.
 * limits may be NULL (defaults). */
int mmr_cfn_parse(struct mmr_iac_set *set, const void *data, size_t len, const char *file,
		  const struct mmr_limits *limits, struct mmr_error *reterr);

/* Walk a directory tree (or take one file): every .yaml/.yml/.json/
 * .template file that sniffs as a template is parsed; a syntax error goes to
 * set->errors ("file:line:col: message") and the walk goes on. Returns 0,
 * or -errno when the walk itself failed (unreadable root). */
int mmr_cfn_scan(struct mmr_iac_set *set, const char *path, const struct mmr_limits *limits,
		 struct mmr_error *reterr);

#endif
