using Microsoft.EntityFrameworkCore;

namespace Hbnb;

/// <summary>The HBNB database: SQLite by default (one file that every worker process shares), PostgreSQL when configured.</summary>
public sealed class HbnbDb(DbContextOptions<HbnbDb> options) : DbContext(options)
{
    /// <summary>States.</summary>
    public DbSet<State> States => Set<State>();

    /// <summary>Cities.</summary>
    public DbSet<City> Cities => Set<City>();

    /// <summary>Amenities.</summary>
    public DbSet<Amenity> Amenities => Set<Amenity>();

    /// <summary>Users.</summary>
    public DbSet<User> Users => Set<User>();

    /// <summary>Places.</summary>
    public DbSet<Place> Places => Set<Place>();

    /// <summary>Reviews.</summary>
    public DbSet<Review> Reviews => Set<Review>();

    /// <inheritdoc />
    protected override void OnModelCreating(ModelBuilder model)
    {
        model.Entity<State>().ToTable("states");
        model.Entity<City>().ToTable("cities").HasOne(c => c.State).WithMany(s => s.Cities).HasForeignKey(c => c.StateId).OnDelete(DeleteBehavior.Cascade);
        model.Entity<Amenity>().ToTable("amenities");
        model.Entity<User>().ToTable("users");
        var place = model.Entity<Place>().ToTable("places");
        place.HasOne(p => p.City).WithMany(c => c.Places).HasForeignKey(p => p.CityId).OnDelete(DeleteBehavior.Cascade);
        place.HasOne(p => p.User).WithMany().HasForeignKey(p => p.UserId).OnDelete(DeleteBehavior.Cascade);
        place.HasMany(p => p.Amenities).WithMany(a => a.Places).UsingEntity("place_amenity");
        var review = model.Entity<Review>().ToTable("reviews");
        review.HasOne<Place>().WithMany(p => p.Reviews).HasForeignKey(r => r.PlaceId).OnDelete(DeleteBehavior.Cascade);
        review.HasOne(r => r.User).WithMany().HasForeignKey(r => r.UserId).OnDelete(DeleteBehavior.Cascade);
    }

    /// <summary>Stamps <see cref="BaseModel.UpdatedAt"/> on every change, as the original's save() does.</summary>
    public override int SaveChanges(bool acceptAllChangesOnSuccess)
    {
        foreach (var entry in ChangeTracker.Entries<BaseModel>().Where(e => e.State == EntityState.Modified))
        {
            entry.Entity.UpdatedAt = DateTime.UtcNow;
        }

        return base.SaveChanges(acceptAllChangesOnSuccess);
    }
}
