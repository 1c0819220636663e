"""Media in S3 (or anything speaking its API) through a typed client (boto3's, from botocore)."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, ParamSpec, TypeVar, cast

import botocore.session
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from botocore.loaders import Loader, create_loader

from core.media.errors import MissingObject, StorageUnavailable, too_large
from core.media.storage import UploadTarget
from core.settings import Settings

if TYPE_CHECKING:  # the stubs are a development extra; the type exists only for mypy
    from mypy_boto3_s3 import S3Client

log = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")

# An unreachable S3 has to fail within seconds, not hang a request for minutes.
CONNECT_TIMEOUT_SECONDS = 2
READ_TIMEOUT_SECONDS = 15
MAX_ATTEMPTS = 2
MISSING_CODES = frozenset({"NoSuchKey", "NoSuchBucket", "NotFound", "404"})


def client_from_settings(settings: Settings) -> S3Client:
    """A client for the configured endpoint; credentials come from boto3's own environment."""
    config = Config(
        connect_timeout=CONNECT_TIMEOUT_SECONDS,
        read_timeout=READ_TIMEOUT_SECONDS,
        retries={"max_attempts": MAX_ATTEMPTS, "mode": "standard"},
        s3={"addressing_style": "path" if settings.s3_path_style else "auto"},
        signature_version="s3v4",
    )
    endpoint = str(settings.s3_endpoint_url).rstrip("/") if settings.s3_endpoint_url else None
    session = botocore.session.get_session()
    session.register_component("data_loader", _service_models())
    client = session.create_client(
        "s3", endpoint_url=endpoint, region_name=settings.s3_region, config=config
    )
    return cast("S3Client", client)


@functools.cache
def _service_models() -> Loader:
    """botocore's JSON descriptions (the endpoints, S3's API), parsed once per process.

    A session of its own reads them again: some 70 ms for every client, paid by every app
    built (each test's, each process of `serve --workers N`). Each client still gets a
    session of its own, so credentials are read from the environment as they are then."""
    return create_loader()


class S3Store:
    """One bucket; blocking boto3 calls run in threads so the event loop keeps serving."""

    def __init__(
        self, client: S3Client, bucket: str, *, region: str, create_bucket: bool = False
    ) -> None:
        self.client = client
        self.bucket = bucket
        self._region = region
        self._create_bucket = create_bucket

    @classmethod
    def from_settings(cls, settings: Settings) -> S3Store:
        return cls(
            client_from_settings(settings),
            settings.s3_bucket,
            region=settings.s3_region,
            create_bucket=settings.s3_create_bucket,
        )

    async def ensure_ready(self) -> None:
        """Check the bucket is there, creating it when the settings allow."""
        try:
            await _call(self.client.head_bucket, Bucket=self.bucket)
        except MissingObject:
            if not self._create_bucket:
                raise StorageUnavailable(f"The bucket {self.bucket!r} does not exist.") from None
            await _call(self._make_bucket)

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        await _call(
            self.client.put_object,
            Bucket=self.bucket,
            Key=key,
            Body=data,
            ContentType=content_type,
            CacheControl="private",
        )

    async def get(self, key: str, *, max_bytes: int | None = None) -> bytes:
        return await _call(self._read, key, max_bytes)

    async def delete(self, key: str) -> None:
        await _call(self.client.delete_object, Bucket=self.bucket, Key=key)

    async def exists(self, key: str) -> bool:
        try:
            await _call(self.client.head_object, Bucket=self.bucket, Key=key)
        except MissingObject:
            return False
        return True

    async def read_url(self, key: str, *, expires_in: int) -> str:
        return await _call(
            self.client.generate_presigned_url,
            "get_object",
            Params={"Bucket": self.bucket, "Key": key},
            ExpiresIn=expires_in,
        )

    async def upload_target(self, key: str, *, max_bytes: int, expires_in: int) -> UploadTarget:
        post = await _call(
            self.client.generate_presigned_post,
            Bucket=self.bucket,
            Key=key,
            Conditions=[["content-length-range", 0, max_bytes]],
            ExpiresIn=expires_in,
        )
        fields = {name: str(value) for name, value in post["fields"].items()}
        return UploadTarget(url=post["url"], method="POST", fields=fields)

    async def close_upload(self, key: str) -> bool:
        await self.delete(key)
        return False

    async def remove_written_before(self, prefix: str, cutoff: datetime) -> int:
        return await _call(self._remove_written_before, prefix, cutoff)

    def _remove_written_before(self, prefix: str, cutoff: datetime) -> int:
        removed = 0
        for page in self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=prefix
        ):
            for item in page.get("Contents", []):
                if item["LastModified"] < cutoff:
                    self.client.delete_object(Bucket=self.bucket, Key=item["Key"])
                    removed += 1
        return removed

    def _read(self, key: str, max_bytes: int | None) -> bytes:
        response = self.client.get_object(Bucket=self.bucket, Key=key)
        body = response["Body"]
        with body:
            if max_bytes is not None and response["ContentLength"] > max_bytes:
                raise too_large(max_bytes)
            return body.read()

    def _make_bucket(self) -> None:
        if self._region == "us-east-1":
            self.client.create_bucket(Bucket=self.bucket)
        else:
            self.client.create_bucket(
                Bucket=self.bucket,
                CreateBucketConfiguration={"LocationConstraint": self._region},  # type: ignore[typeddict-item]
            )


async def _call(function: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """A boto3 call in a thread; its failures become `MissingObject` or `StorageUnavailable`."""
    try:
        return await asyncio.to_thread(function, *args, **kwargs)
    except ClientError as error:
        code = str(error.response.get("Error", {}).get("Code", ""))
        if code in MISSING_CODES:
            raise MissingObject() from None
        log.warning("S3 refused a media call: %s", code or error)
        raise StorageUnavailable() from error
    except (BotoCoreError, OSError) as error:
        log.warning("S3 is unreachable: %s", type(error).__name__)
        raise StorageUnavailable() from error
