output "bucket" {
  description = "Name of the access-log bucket, available once its policy lets S3 deliver logs into it."
  value       = aws_s3_bucket.access_logs.id
  # PutBucketLogging on a source bucket is refused until the target's policy admits the log service.
  depends_on = [aws_s3_bucket_policy.access_logs]
}
